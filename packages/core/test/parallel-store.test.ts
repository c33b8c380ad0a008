import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidOptionsError, type RunSummary } from "../src/index.js";
import { FileParallelStore } from "../src/store/file-parallel-store.js";
import { MemoryParallelStore, type ParallelStore } from "../src/store/parallel-store.js";

describe.each([
  ["MemoryParallelStore", async (): Promise<ParallelStore> => new MemoryParallelStore()],
  [
    "FileParallelStore",
    async (): Promise<ParallelStore> => new FileParallelStore(await mkdtemp(join(tmpdir(), "cortex-book-"))),
  ],
])("%s", (_name, make) => {
  const summary = (agentId: string): RunSummary => ({
    agentId,
    runId: `run_${agentId}`,
    status: "completed",
    output: agentId,
  });
  const checkpoint = (agentId: string) => ({
    id: `cp_${agentId}`,
    runId: `run_${agentId}`,
    agentId,
    reason: "r",
    toolName: "notes__publish",
    plugin: "notes",
    action: "publish",
    tier: "CONFIRM",
    args: {},
    approvalId: "x",
    createdAt: new Date(0).toISOString(),
  });

  it("keeps slots in order, ignores a pause after the end, and completes once", async () => {
    const book = await make();
    await book.createParallel("orch_1", ["a", "b", "c"], 5);
    expect(await book.updateParallel("orch_1", 2, { done: summary("c") })).toMatchObject({
      complete: false,
      record: {
        id: "orch_1",
        agents: ["a", "b", "c"],
        startedAt: 5,
        done: [{ slot: 2, summary: summary("c") }],
        paused: [],
      },
    });
    await book.updateParallel("orch_1", 0, { done: summary("a") });
    await book.updateParallel("orch_1", 0, { paused: checkpoint("a") });
    const waiting = await book.updateParallel("orch_1", 1, { paused: checkpoint("b") });
    expect(waiting?.record.paused).toEqual([{ slot: 1, checkpoint: checkpoint("b") }]);
    const last = await book.updateParallel("orch_1", 1, { done: summary("b") });
    expect(last?.complete).toBe(true);
    expect(last?.record.done.map((d) => d.slot)).toEqual([0, 1, 2]);
    expect(last?.record.paused).toEqual([]);
    expect(await book.updateParallel("orch_1", 1, { done: summary("b") })).toBeUndefined();
  });

  it("answers undefined for an unknown orchestration and refuses a slot it does not have", async () => {
    const book = await make();
    expect(await book.updateParallel("orch_nope", 0, { done: summary("a") })).toBeUndefined();
    await book.createParallel("orch_2", ["a"], 0);
    await expect(book.updateParallel("orch_2", 1, { done: summary("a") })).rejects.toThrow(InvalidOptionsError);
  });

  it("gives complete: true to exactly one of many concurrent final updates", async () => {
    const book = await make();
    const agents = Array.from({ length: 12 }, (_, i) => `a${i}`);
    await book.createParallel("orch_3", agents, 0);
    const results = await Promise.all(
      agents.map((a, slot) => book.updateParallel("orch_3", slot, { done: summary(a) })),
    );
    expect(results.filter((r) => r?.complete)).toHaveLength(1);
    expect(results.find((r) => r?.complete)?.record.done).toHaveLength(12);
  });
});

it("FileParallelStore refuses an orchestration id that is not a safe file name", async () => {
  const book = new FileParallelStore(await mkdtemp(join(tmpdir(), "cortex-book-")));
  await expect(book.createParallel("../escape", ["a"], 0)).rejects.toThrow(InvalidOptionsError);
});
