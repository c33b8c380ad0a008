import type { RunState } from "@cortex/core";
import { ActionTier, MemoryBroker, PluginHealthStatus, PluginRegistry, type Plugin } from "@cortex/plugins";
import { silentLogger, type Logger } from "@cortex/primitives";
import { PostgresRunStore } from "@cortex/store-postgres";
import { Job, Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { connectionOf } from "../src/options.js";
import { RunQueue, startWorker, type RunWorker } from "../src/index.js";
import { AGENT, OpsModel } from "./support/agent.js";
import { fresh, redisUrl, useDatabase } from "./support/services.js";

const db = useDatabase();

/** The shared store, noting every save it is asked for and the fencing token it carries. */
class NotingStore extends PostgresRunStore {
  readonly saves: { fence: number | undefined; status: string; at: number }[] = [];

  override save(state: RunState, options?: { fence?: number }): Promise<void> {
    this.saves.push({ fence: options?.fence, status: state.status, at: Date.now() });
    return super.save(state, options);
  }
}

/**
 * The ops agent's plugin, AUTO steps only. The first call of the run whose
 * key is `held` waits until its signal aborts (at most `holdMs`), noting
 * whether it was aborted; every other call returns at once.
 */
function heldPlugin(held: string, holdMs: number) {
  let started!: () => void;
  const state = { aborted: false, started: new Promise<void>((resolve) => (started = resolve)), holding: true };
  const plugin: Plugin = {
    name: "ops",
    version: "1.0.0",
    description: "Steps",
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    listActions: () => [{ name: "step", description: "A step", tier: ActionTier.AUTO }],
    async executeAction(_action, params, context) {
      if (params.key === held && state.holding) {
        state.holding = false;
        started();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, holdMs);
          context?.signal.addEventListener("abort", () => {
            state.aborted = true;
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return { success: true, data: { ok: true } };
    },
    health: () => Promise.resolve({ plugin: "ops", status: PluginHealthStatus.HEALTHY }),
  };
  return { plugin, state };
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const each of open.splice(0).reverse()) await each.close();
});

/** A worker with short locks (lease 2 s, renewed every 667 ms), its store, a client and a Redis connection. */
async function setUp(key: string, warnings: string[]) {
  await db.ready();
  const queueName = fresh("lease");
  const store = new NotingStore({ pool: db.pool, schema: db.schema, logger: silentLogger });
  const { plugin, state } = heldPlugin(key, 8_000);
  const plugins = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
  plugins.register(plugin);
  const logger: Logger = { ...silentLogger, warn: (message) => warnings.push(message) };
  const worker: RunWorker = await startWorker({
    connection: redisUrl(),
    queueName,
    engine: { model: new OpsModel(), plugins, agents: [AGENT], logger: silentLogger },
    runStore: store,
    lockDurationMs: 1_000,
    logger,
  });
  open.push(worker);
  const client = new RunQueue({ connection: redisUrl(), queueName });
  open.push(client);
  const queue = new Queue(queueName, { connection: connectionOf(redisUrl(), "test", false), prefix: "cortex" });
  open.push(queue);
  const redis = await queue.client;
  const fenceOf = async (runId: string) =>
    (
      await db.pool.query<{ fence: string }>(`SELECT fence FROM "${db.schema}".run_fences WHERE run_id = $1`, [runId])
    ).rows.map((row) => Number(row.fence))[0];
  return {
    queueName,
    queue,
    store,
    state,
    client,
    redis,
    fenceOf,
    leaseKey: (runId: string) => `cortex:${queueName}:lease:${runId}`,
  };
}

describe("RunLeases", () => {
  it("aborts the run of a job whose lease is taken away mid-run; the job saves nothing after, and the run goes on", async () => {
    const warnings: string[] = [];
    const { queue, store, state, client, redis, fenceOf, leaseKey } = await setUp("l1", warnings);
    const runId = await client.start(AGENT.id, "key=l1 auto");
    await state.started;
    const fence = await fenceOf(runId);
    const from = store.saves.length;
    // The lease is gone, as when the worker's event loop stalls past it and the key expires.
    expect(await redis.del(leaseKey(runId))).toBe(1);

    const done = await client.waitForResult(runId, { timeoutMs: 60_000 });
    expect(state.aborted).toBe(true);
    expect(warnings).toContain("a run's job stops driving it: its lease was lost");
    // Every save from then on is the next job's, under a newer fence: the aborted run saved nothing.
    const after = store.saves.slice(from);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((save) => fence === undefined || save.fence === undefined || save.fence <= fence)).toEqual([]);
    // Its job was not failed: taken again, it went on with the run to its end.
    expect(done).toMatchObject({ status: "completed", output: "l1 done" });
    const job = (await Job.fromId(queue, `start-${runId}`))!;
    // Started twice, and only the completion counts as an attempt made: the lost attempt was delayed, not failed.
    expect(await job.getState()).toBe("completed");
    expect({ started: job.attemptsStarted, made: job.attemptsMade }).toEqual({ started: 2, made: 1 });
  });

  it("stops a job the store fences off before it noticed: a newer driver took the run while its lease looked held", async () => {
    const warnings: string[] = [];
    const { store, state, client, fenceOf } = await setUp("l2", warnings);
    const runId = await client.start(AGENT.id, "key=l2 auto");
    await state.started;
    const stale = (await fenceOf(runId))!;
    // A newer driver takes the run (its lease key untouched, so renewals go on succeeding here).
    const newer = await store.takeFence(runId);
    await store.save(stored(await store.load(runId)), { fence: newer });
    const from = store.saves.length;

    // The held call ends (8 s) and the stale job's next save is refused: it stops, and is taken again.
    const done = await client.waitForResult(runId, { timeoutMs: 60_000 });
    const refused = store.saves.slice(from).filter((save) => save.fence === stale);
    expect(refused).toHaveLength(1);
    expect(warnings).toContain("a run's job stops driving it: its lease was lost");
    expect(done).toMatchObject({ status: "completed", output: "l2 done" });
    // Every other save is the next job's, under a fence newer still.
    expect(store.saves.slice(from).filter((save) => save.fence !== stale && !(save.fence! > newer))).toEqual([]);
  });
});

/** The run's stored state, which the newer driver saves again as its own. */
function stored(state: RunState | undefined): RunState {
  if (state === undefined) throw new Error("the run is not stored");
  return state;
}
