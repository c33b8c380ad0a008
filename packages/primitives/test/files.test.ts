import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../src/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "cortex-primitives-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeFileAtomic", () => {
  it("writes a new file readable by its owner only", async () => {
    const file = join(dir, "state.json");
    await writeFileAtomic(file, '{"a":1}');
    expect(await readFile(file, "utf8")).toBe('{"a":1}');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("replaces an existing file whole, with the mode asked for", async () => {
    const file = join(dir, "f.txt");
    await writeFile(file, "old", { mode: 0o644 });
    await writeFileAtomic(file, new TextEncoder().encode("new"), { mode: 0o640, sync: false });
    expect(await readFile(file, "utf8")).toBe("new");
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  it("writes nothing when the signal is aborted, and leaves no temporary file", async () => {
    const file = join(dir, "f.txt");
    await expect(writeFileAtomic(file, "x", { signal: AbortSignal.abort() })).rejects.toThrow();
    expect(await readdir(dir)).toEqual([]);
  });

  it("removes its temporary file when the rename fails", async () => {
    const target = join(dir, "taken");
    await writeFile(join(dir, "placeholder"), "");
    await import("node:fs/promises").then((fs) => fs.mkdir(target));
    await writeFile(join(target, "inside"), "");
    await expect(writeFileAtomic(target, "x")).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(["placeholder", "taken"]);
  });
});
