import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonFileRunStore, MemoryRunStore, StoreUnsupportedError, type RunStore } from "../src/index.js";
import { call, setup, sleep } from "./support.js";

const stores: [string, () => Promise<RunStore>][] = [
  ["MemoryRunStore", () => Promise.resolve(new MemoryRunStore())],
  ["JsonFileRunStore", async () => new JsonFileRunStore(await mkdtemp(join(tmpdir(), "cortex-pending-")))],
];

describe.each(stores)("listPending of %s", (_, make) => {
  it("lists paused checkpoints oldest first with what an inbox shows, filtered and paged", async () => {
    const runStore = await make();
    const { engine } = setup([call("notes__publish", { text: "one" })], { runStore, perRun: true });
    engine.defineAgent({ id: "other", tools: ["notes.*"] });
    const first = await engine.run("assistant", "a");
    await sleep(5);
    const second = await engine.run("other", "b");
    await sleep(5);
    const third = await engine.run("assistant", "c");
    const all = await engine.listPending();
    expect(all.items.map((i) => i.checkpointId)).toEqual([first, second, third].map((r) => r.checkpoint!.id));
    expect(all.items[0]).toEqual({
      checkpointId: first.checkpoint!.id,
      runId: first.runId,
      agentId: "assistant",
      plugin: "notes",
      action: "publish",
      tier: "CONFIRM",
      params: { text: "one" },
      approvalId: first.checkpoint!.approvalId,
      createdAt: first.checkpoint!.createdAt,
    });
    expect(all.nextCursor).toBeUndefined();
    expect((await engine.listPending({ agentId: "other" })).items.map((i) => i.runId)).toEqual([second.runId]);
    expect((await engine.listPending({ plugin: "files" })).items).toEqual([]);
    expect((await engine.listPending({ tier: "CONFIRM" })).items).toHaveLength(3);

    const page = await engine.listPending({ limit: 2 });
    expect(page.items.map((i) => i.runId)).toEqual([first.runId, second.runId]);
    // Resolving an item of an earlier page moves no page boundary.
    await engine.resolveCheckpoint(first.checkpoint!.id, { approved: false });
    const next = await engine.listPending({ limit: 2, after: page.nextCursor! });
    expect(next.items.map((i) => i.runId)).toEqual([third.runId]);
    expect(next.nextCursor).toBeUndefined();
    expect((await engine.listPending()).items.map((i) => i.runId)).toEqual([second.runId, third.runId]);
    await expect(engine.listPending({ tier: 3 as never })).rejects.toMatchObject({ option: "tier" });
  });

  it("shows when a checkpoint expires, and treats a decision after that as a denial", async () => {
    const runStore = await make();
    const { engine, plugin, model, recorder } = setup([call("notes__publish", { text: "x" }), { content: "ok" }], {
      runStore,
      checkpointTtlMs: 40,
    });
    const paused = await engine.run("assistant", "x");
    const expiresAt = paused.checkpoint!.expiresAt!;
    expect(Date.parse(expiresAt) - Date.parse(paused.checkpoint!.createdAt)).toBe(40);
    expect((await engine.listPending()).items[0]!.expiresAt).toBe(expiresAt);
    await sleep(80);
    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true, decidedBy: "late" });
    expect(done).toMatchObject({ status: "completed", output: "ok" });
    expect(plugin.calls).toEqual([]);
    expect(recorder.ofHook("checkpointResolved")[0]!.decision).toEqual({
      approved: false,
      reason: `the checkpoint expired at ${expiresAt}`,
    });
    const told = JSON.parse(model.requests[1]!.messages.at(-1)!.content!) as { error: { code: string } };
    expect(told.error.code).toBe("CORTEX_CHECKPOINT_EXPIRED");
  });
});

describe("checkpoint expiry", () => {
  it("takes the run's checkpointTtlMs over the engine's, and has no expiry by default", async () => {
    const { engine } = setup([call("notes__publish", { text: "x" }), call("notes__publish", { text: "y" })], {
      perRun: true,
    });
    expect((await engine.run("assistant", "x")).checkpoint!.expiresAt).toBeUndefined();
    const short = await engine.run("assistant", "x", { checkpointTtlMs: 60_000 });
    expect(Date.parse(short.checkpoint!.expiresAt!) - Date.parse(short.checkpoint!.createdAt)).toBe(60_000);
    await expect(engine.run("assistant", "x", { checkpointTtlMs: 0 })).rejects.toMatchObject({
      option: "checkpointTtlMs",
    });
  });

  it("is decided when the inline approver answers too late: the call does not run", async () => {
    const { engine, plugin } = setup([call("notes__publish", { text: "x" }), { content: "ok" }], {
      checkpointTtlMs: 20,
      approver: async () => {
        await sleep(60);
        return { approved: true };
      },
    });
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed" });
    expect(plugin.calls).toEqual([]);
  });
});

describe("engine.listPending", () => {
  it("is CORTEX_STORE_UNSUPPORTED for a run store without listPending", async () => {
    const memory = new MemoryRunStore();
    const bare: RunStore = {
      save: (state) => memory.save(state),
      load: (id) => memory.load(id),
      claim: (id) => memory.claim(id),
      delete: (id) => memory.delete(id),
    };
    const { engine } = setup([call("notes__publish", { text: "x" })], { runStore: bare });
    expect((await engine.run("assistant", "x")).status).toBe("awaiting_approval");
    const error = await engine.listPending().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnsupportedError);
    expect(error).toMatchObject({ code: "CORTEX_STORE_UNSUPPORTED", method: "RunStore.listPending" });
  });
});
