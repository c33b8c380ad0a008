import { mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonFileRunStore, type RunState } from "../src/index.js";
import { call, setup } from "./support.js";

/** Every file and folder below `dir`, with its permission bits. */
async function modes(dir: string): Promise<{ path: string; folder: boolean; mode: number }[]> {
  const found: { path: string; folder: boolean; mode: number }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    found.push({ path, folder: entry.isDirectory(), mode: (await stat(path)).mode & 0o777 });
    if (entry.isDirectory()) found.push(...(await modes(path)));
  }
  return found;
}

describe("JsonFileRunStore", () => {
  it("creates its files 0600 and its folders 0700: they hold raw inputs and tool results", async () => {
    const dir = join(await mkdtemp(join(tmpdir(), "cortex-store-")), "store");
    const store = new JsonFileRunStore(dir);
    const { engine } = setup([call("notes__publish", { text: "a private note" })], { runStore: store });
    const paused = await engine.run("assistant", "my private input");
    await store.createParallel("orch_1", ["assistant", "other"], 0);
    await store.updateParallel("orch_1", 0, { paused: paused.checkpoint! });
    const all = await modes(dir);
    expect(all.filter((e) => !e.folder).length).toBeGreaterThanOrEqual(4);
    for (const entry of all)
      expect({ path: entry.path, mode: entry.mode }).toEqual({ path: entry.path, mode: entry.folder ? 0o700 : 0o600 });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it("refuses to store a run under an id that is not a safe file name, naming the option", async () => {
    const store = new JsonFileRunStore(await mkdtemp(join(tmpdir(), "cortex-store-")));
    const state = { runId: "../escape", status: "running" } as RunState;
    await expect(store.save(state)).rejects.toMatchObject({ code: "CORTEX_INVALID_OPTIONS", option: "state.runId" });
  });
});
