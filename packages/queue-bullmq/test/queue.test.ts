import { MemoryBroker, PluginRegistry } from "@cortex/plugins";
import { silentLogger } from "@cortex/primitives";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOf } from "../src/options.js";
import { RunQueue, startWorker, type RunWorker } from "../src/index.js";
import { AGENT, OpsModel, opsPlugin } from "./support/agent.js";
import { fresh, redisUrl, useDatabase } from "./support/services.js";

const db = useDatabase();
const queueName = fresh("queue");
let worker: RunWorker;
let client: RunQueue;

beforeAll(async () => {
  await db.ready();
  const plugins = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
  plugins.register(opsPlugin(db.pool, db.schema));
  worker = await startWorker({
    connection: redisUrl(),
    queueName,
    engine: { model: new OpsModel(), plugins, agents: [AGENT], logger: silentLogger },
    runStore: db.store,
    concurrency: 4,
    logger: silentLogger,
  });
  client = new RunQueue({ connection: redisUrl(), queueName });
});

afterAll(async () => {
  await client?.close();
  await worker?.close();
});

/** How long a test waits for a run's result: far above what a loaded machine takes (Redis, PostgreSQL, the worker). */
const WAIT = { timeoutMs: 45_000 };

const executions = async (key: string) =>
  (
    await db.pool.query<{ action: string }>(`SELECT action FROM "${db.schema}".executions WHERE key = $1`, [key])
  ).rows.map((row) => row.action);

describe("RunQueue and startWorker", () => {
  it("starts a run (its id at once), pauses it at the CONFIRM call, and finishes it after an approval from another client", async () => {
    const runId = await client.start(AGENT.id, "key=a1");
    expect(runId).toMatch(/^run_/);
    const paused = await client.waitForResult(runId, WAIT);
    expect(paused).toMatchObject({
      runId,
      status: "awaiting_approval",
      checkpoint: { plugin: "ops", action: "commit" },
    });
    expect(await executions("a1")).toEqual(["step", "step"]);
    const other = new RunQueue({ connection: redisUrl(), queueName });
    try {
      await other.resolveCheckpoint(runId, paused.checkpoint!.id, { approved: true, decidedBy: "reviewer" });
      // The same resume enqueued twice is one job.
      await other.resolveCheckpoint(runId, paused.checkpoint!.id, { approved: true, decidedBy: "reviewer" });
      const done = await other.waitForResult(runId, WAIT);
      expect(done).toMatchObject({ runId, status: "completed", output: "a1 committed" });
      expect(await other.getResult(runId)).toEqual(done);
    } finally {
      await other.close();
    }
    expect(await executions("a1")).toEqual(["step", "step", "commit"]);
    // The run is a row in PostgreSQL, kept once ended.
    expect((await db.store.load(runId))?.status).toBe("completed");
  });

  it("uses the first decision for a checkpoint: a denial enqueued first is not overturned", async () => {
    const runId = await client.start(AGENT.id, "key=d1");
    const paused = await client.waitForResult(runId, WAIT);
    await client.resolveCheckpoint(runId, paused.checkpoint!.id, { approved: false, reason: "no" });
    await client.resolveCheckpoint(runId, paused.checkpoint!.id, { approved: true });
    expect(await client.waitForResult(runId, WAIT)).toMatchObject({
      status: "completed",
      output: "d1 refused",
    });
    expect(await executions("d1")).toEqual(["step", "step"]);
  });

  it("starts one run for one run id given twice, and reports a paused run as paused to any reader", async () => {
    const runId = fresh("run");
    expect(await client.start(AGENT.id, "key=s1", { runId })).toBe(runId);
    expect(await client.start(AGENT.id, "key=s1", { runId })).toBe(runId);
    await client.waitForResult(runId, WAIT);
    expect(await client.getResult(runId)).toMatchObject({ status: "awaiting_approval" });
    expect(await executions("s1")).toEqual(["step", "step"]);
    // A paused run holds no job and no worker: nothing is active or waiting on the queue.
    const pending = await worker.engine.listPending({ limit: 1000 });
    expect(pending.items.map((item) => item.runId)).toContain(runId);
    const queue = new Queue(queueName, { connection: connectionOf(redisUrl(), "test", false), prefix: "cortex" });
    try {
      expect(await queue.getJobCounts("active", "waiting", "delayed")).toMatchObject({
        active: 0,
        waiting: 0,
        delayed: 0,
      });
    } finally {
      await queue.close();
    }
    expect(await client.getResult(runId)).toMatchObject({ status: "awaiting_approval", runId });
  });

  it("fails a run of an unknown agent without retrying it, and knows nothing of an unknown run", async () => {
    const runId = await client.start("nobody", "hi");
    expect(await client.waitForResult(runId, WAIT)).toMatchObject({
      status: "failed",
      error: { code: "CORTEX_AGENT_NOT_FOUND" },
    });
    expect(await client.getResult("run_unknown")).toBeUndefined();
  });

  it("refuses bad arguments with CORTEX_INVALID_OPTIONS", async () => {
    await expect(client.start(AGENT.id, "x", { runId: "a:b" })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
    });
    await expect(client.resolveCheckpoint("run_1", "cp_1", { approved: "yes" } as never)).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
    });
  });
});
