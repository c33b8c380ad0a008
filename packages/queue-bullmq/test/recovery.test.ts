import type { RunResult } from "@cortex/core";
import { describe, expect, it } from "vitest";
import { RunQueue } from "../src/index.js";
import { AGENT } from "./support/agent.js";
import { fresh, redisUrl, spawnWorker, stopWorker, useDatabase } from "./support/services.js";

const db = useDatabase();

/** Resolves once PostgreSQL holds an execution of `action` for `key`. */
async function executed(key: string, action: string): Promise<void> {
  for (;;) {
    const { rowCount } = await db.pool.query(`SELECT 1 FROM "${db.schema}".executions WHERE key = $1 AND action = $2`, [
      key,
      action,
    ]);
    if (rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const executions = async (key: string) =>
  (
    await db.pool.query<{ action: string; attempt: number | null }>(
      `SELECT action, attempt FROM "${db.schema}".executions WHERE key = $1 ORDER BY at`,
      [key],
    )
  ).rows;

// Short locks so a killed worker's job is taken back within seconds, yet long enough that a live
// worker on a loaded machine renews its lock in time (it renews at half the lock's time): a lapsed
// lock would hand its job to a second run of the worker.
const env = (queueName: string, extra: Record<string, string> = {}) => ({
  CX_SCHEMA: db.schema,
  CX_QUEUE: queueName,
  CX_LOCK_MS: "10000",
  CX_STALLED_MS: "2000",
  ...extra,
});

describe("a worker killed in the middle of a run", () => {
  it("does not run an approved call again: the model is told it was interrupted, and a new approval is needed", async () => {
    await db.ready();
    const queueName = fresh("recovery");
    const client = new RunQueue({ connection: redisUrl(), queueName });
    // The first worker's commit takes effect, then hangs until the worker is killed.
    const first = await spawnWorker(env(queueName, { CX_COMMIT_MS: "600000" }));
    try {
      const runId = await client.start(AGENT.id, "key=r1");
      const paused = await client.waitForResult(runId, { timeoutMs: 60_000 });
      await client.resolveCheckpoint(runId, paused.checkpoint!.id, { approved: true });
      await executed("r1", "commit");
      await stopWorker(first, "SIGKILL");
      const second = await spawnWorker(env(queueName));
      try {
        const again = await client.waitForResult(runId, { timeoutMs: 60_000 });
        // The same call is not run again; asked again, it is a new call at a new checkpoint.
        expect(again).toMatchObject({ status: "awaiting_approval", checkpoint: { args: { key: "r1", attempt: 2 } } });
        expect(again.checkpoint!.id).not.toBe(paused.checkpoint!.id);
        const state = await db.store.load(runId);
        expect(state!.messages.some((m) => m.role === "tool" && m.content.includes("CORTEX_TOOL_INTERRUPTED"))).toBe(
          true,
        );
        await client.resolveCheckpoint(runId, again.checkpoint!.id, { approved: true });
        expect(await client.waitForResult(runId, { timeoutMs: 60_000 })).toMatchObject({
          status: "completed",
          output: "r1 committed",
        });
        expect(await executions("r1")).toEqual([
          { action: "step", attempt: null },
          { action: "step", attempt: null },
          { action: "commit", attempt: 1 },
          { action: "commit", attempt: 2 },
        ]);
      } finally {
        await stopWorker(second);
      }
    } finally {
      await stopWorker(first, "SIGKILL");
      await client.close();
    }
    // Two worker processes start in turn and three results are waited for: up to a minute each on a loaded machine.
  }, 360_000);

  it("goes on from the run's last save after a crash in a step: the interrupted call is told, not run again", async () => {
    await db.ready();
    const queueName = fresh("recovery");
    const client = new RunQueue({ connection: redisUrl(), queueName });
    // Every call of the first worker hangs after taking effect: it dies in the run's first step.
    const first = await spawnWorker(env(queueName, { CX_CALL_MS: "600000" }));
    try {
      const runId = await client.start(AGENT.id, "key=r2 auto");
      await executed("r2", "step");
      await stopWorker(first, "SIGKILL");
      const second = await spawnWorker(env(queueName));
      try {
        const done: RunResult = await client.waitForResult(runId, { timeoutMs: 60_000 });
        expect(done).toMatchObject({ status: "completed", output: "r2 done" });
        // The first step's call was interrupted (not run again), the second ran once on the new worker.
        expect(await executions("r2")).toEqual([
          { action: "step", attempt: null },
          { action: "step", attempt: null },
        ]);
        const told = (await db.store.load(runId))!.messages.filter((m) => m.role === "tool").map((m) => m.content);
        expect(told[0]).toContain("CORTEX_TOOL_INTERRUPTED");
        expect(told[1]).toContain('"ok":true');
      } finally {
        await stopWorker(second);
      }
    } finally {
      await stopWorker(first, "SIGKILL");
      await client.close();
    }
    // Two worker processes start in turn (up to a minute each on a loaded machine), and the run waits on the queue.
  }, 240_000);
});
