/**
 * The queue beside the JSON-file store on the same machine: runs per second
 * with 1, 2 and 4 worker processes (a zero-cost model and plugin) against
 * one engine in this process on a JsonFileRunStore; the latency from a
 * decision to the approved call's execution; one `listPending` page among
 * 100 000 paused runs (CORTEX_BENCH_PAUSED to change); and the bytes kept
 * per paused run. Servers are started by scripts/services unless
 * CORTEX_TEST_POSTGRES_URL and CORTEX_TEST_REDIS_URL name running ones.
 * Missed targets are printed, not fatal: shared machines are noisy.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createEngine, JsonFileRunStore, type Engine, type RunState } from "@cortex/core";
import { MemoryBroker, PluginRegistry } from "@cortex/plugins";
import { silentLogger } from "@cortex/primitives";
import { PostgresRunStore } from "@cortex/store-postgres";
import pg from "pg";
import { Bench } from "tinybench";
import { RunQueue } from "../src/index.js";
import { AGENT, createExecutions, OpsModel, opsPlugin } from "../test/support/agent.js";
import { servicesForBench } from "./services.js";

const RUNS = Number(process.env.CORTEX_BENCH_RUNS ?? 200);
const DECISIONS = Number(process.env.CORTEX_BENCH_DECISIONS ?? 50);
const PAUSED = Number(process.env.CORTEX_BENCH_PAUSED ?? 100_000);
const JSON_PAUSED = Math.min(PAUSED, Number(process.env.CORTEX_BENCH_JSON_PAUSED ?? 10_000));
const CONCURRENCY = 8;
const LIST_TARGET_MS = 50;

const services = await servicesForBench();
const schema = `bench_${process.pid}`;
const pool = new pg.Pool({ connectionString: services.postgres, max: 8 });
pool.on("error", () => undefined);
const store = new PostgresRunStore({ pool, schema, logger: silentLogger });
const dir = await mkdtemp(join(tmpdir(), "cx-bench-queue-"));
const workers: ChildProcess[] = [];
const fixture = join(import.meta.dirname, "..", "test", "fixtures", "worker.ts");

const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
const ratio = (a: number, b: number): string => `${(a / b).toPrecision(3)}×`;
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function spawnWorkers(count: number, queueName: string, record: boolean): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, async () => {
      const child = spawn(process.execPath, ["--import", "tsx", fixture], {
        cwd: import.meta.dirname,
        env: {
          ...process.env,
          CX_POSTGRES_URL: services.postgres,
          CX_REDIS_URL: services.redis,
          CX_SCHEMA: schema,
          CX_QUEUE: queueName,
          CX_CONCURRENCY: String(CONCURRENCY),
          CX_RECORD: record ? "1" : "0",
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      workers.push(child);
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).on("line", (line) => line === "ready" && resolve());
        child.on("exit", (code) => reject(new Error(`a worker exited (${code})`)));
      });
    }),
  );
}

async function stopWorkers(): Promise<void> {
  await Promise.all(
    workers.splice(0).map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
        }),
    ),
  );
}

/** An engine in this process on a JsonFileRunStore, with the same agent, model and plugin as the workers. */
function jsonEngine(folder: string, record: boolean, onCommit?: (key: string) => void): Engine {
  const plugins = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
  plugins.register(opsPlugin(record ? pool : undefined, schema, 0, onCommit));
  return createEngine({
    model: new OpsModel(),
    plugins,
    agents: [AGENT],
    runStore: new JsonFileRunStore(folder),
    logger: silentLogger,
  });
}

/** Runs `count` tasks, at most `limit` at once. */
async function limited(count: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function throughput(): Promise<void> {
  const engine = jsonEngine(join(dir, "throughput"), false);
  let started = performance.now();
  await limited(RUNS, CONCURRENCY, (i) => engine.run(AGENT.id, `key=j${i} auto`));
  const baseline = RUNS / ((performance.now() - started) / 1000);
  await engine.shutdown();
  console.log(`\nruns per second (${RUNS} runs of 2 AUTO steps and an answer, zero-cost model and plugin)`);
  console.log(`  JSON-file store, one engine in this process (${CONCURRENCY} at once): ${baseline.toFixed(0)} runs/s`);
  for (const count of [1, 2, 4]) {
    const queueName = `bench-${count}-${process.pid}`;
    await spawnWorkers(count, queueName, false);
    const client = new RunQueue({ connection: services.redis, queueName });
    started = performance.now();
    const ids = await Promise.all(
      Array.from({ length: RUNS }, (_, i) => client.start(AGENT.id, `key=q${count}-${i} auto`)),
    );
    // Done when every run's row says so (the store keeps ended runs): no client waits in the way.
    while (
      Number(
        (
          await pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM "${schema}".runs WHERE status = 'completed' AND run_id = ANY($1)`,
            [ids],
          )
        ).rows[0]!.n,
      ) < RUNS
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    const rate = RUNS / ((performance.now() - started) / 1000);
    console.log(
      `  queue, ${count} worker process${count > 1 ? "es" : ""} × ${CONCURRENCY}: ${rate.toFixed(0)} runs/s (${ratio(rate, baseline)} the JSON-file engine)`,
    );
    await client.close();
    await stopWorkers();
  }
}

async function decisionLatency(): Promise<void> {
  // JSON-file store: the decision, the claim and the approved call in this process.
  const executedAt = new Map<string, number>();
  const engine = jsonEngine(join(dir, "latency"), false, (key) => executedAt.set(key, Date.now()));
  const paused = [];
  for (let i = 0; i < DECISIONS; i++) paused.push(await engine.run(AGENT.id, `key=l${i}`));
  const local: number[] = [];
  for (const [i, result] of paused.entries()) {
    const decided = Date.now();
    await engine.resolveCheckpoint(result.checkpoint!.id, { approved: true });
    local.push(executedAt.get(`l${i}`)! - decided);
  }
  await engine.shutdown();

  // The queue: the decision enqueued by a client, the call run by a worker process, timed by PostgreSQL's clock.
  const queueName = `bench-latency-${process.pid}`;
  await spawnWorkers(2, queueName, true);
  const client = new RunQueue({ connection: services.redis, queueName });
  const runs = await Promise.all(Array.from({ length: DECISIONS }, (_, i) => client.start(AGENT.id, `key=d${i}`)));
  const checkpoints = await Promise.all(runs.map((id) => client.waitForResult(id, { timeoutMs: 600_000 })));
  const queued: number[] = [];
  for (const [i, result] of checkpoints.entries()) {
    const decided = Date.now();
    await client.resolveCheckpoint(result.runId, result.checkpoint!.id, { approved: true });
    await client.waitForResult(result.runId, { timeoutMs: 600_000 });
    const { rows } = await pool.query<{ at: Date }>(
      `SELECT at FROM "${schema}".executions WHERE key = $1 AND action = 'commit'`,
      [`d${i}`],
    );
    queued.push(rows[0]!.at.getTime() - decided);
  }
  await client.close();
  await stopWorkers();
  console.log(`\ndecision → approved call executed (${DECISIONS} decisions, one at a time)`);
  console.log(`  JSON-file store, in process: p50 ${ms(percentile(local, 50))}, p99 ${ms(percentile(local, 99))}`);
  console.log(
    `  queue (client → Redis → worker → PostgreSQL): p50 ${ms(percentile(queued, 50))} (${ratio(percentile(queued, 50), Math.max(0.01, percentile(local, 50)))}), p99 ${ms(percentile(queued, 99))}`,
  );
}

/** Fills the store with `count` paused runs in bulk: copies of a real paused state under new ids. */
async function fillPaused(template: RunState, count: number): Promise<void> {
  const table = `"${schema}".runs`;
  for (let from = 0; from < count; from += 20_000) {
    await pool.query(
      `INSERT INTO ${table} (run_id, agent_id, status, state, checkpoint_id, plugin, action, tier, paused_at)
       SELECT 'fill_' || i, $1, 'awaiting_approval',
              jsonb_set(jsonb_set($2::jsonb, '{runId}', to_jsonb('fill_' || i)), '{checkpoint,id}', to_jsonb('cp_fill_' || i)),
              'cp_fill_' || i, 'ops', 'commit', 'CONFIRM', now() - make_interval(secs => $4 - i)
       FROM generate_series($3::int, $4::int) AS i`,
      [template.agentId, JSON.stringify(template), from, Math.min(count, from + 20_000) - 1],
    );
  }
}

async function pendingAndBytes(): Promise<void> {
  const engine = jsonEngine(join(dir, "template"), false);
  const template = (await engine.getRun((await engine.run(AGENT.id, "key=t0")).runId))!;
  await engine.shutdown();
  let started = performance.now();
  await fillPaused(template, PAUSED);
  await pool.query(`ANALYZE "${schema}".runs`);
  const fillMs = performance.now() - started;
  const jsonDir = join(dir, "paused");
  const json = new JsonFileRunStore(jsonDir);
  started = performance.now();
  await limited(JSON_PAUSED, 16, (i) =>
    json.save({
      ...template,
      runId: `fill_${i}`,
      checkpoint: { ...template.checkpoint!, id: `cp_fill_${i}` },
    }),
  );
  const jsonFillMs = performance.now() - started;

  const middle = await store.listPending({ limit: 1000 });
  // A JSON-file page reads every paused run's file: a few iterations are enough.
  const bench = new Bench({ time: Number(process.env.BENCH_TIME_MS ?? 1_000), iterations: 5 });
  bench
    .add(`PostgreSQL: first page of 50 (${PAUSED} paused)`, () => store.listPending({ limit: 50 }))
    .add(`PostgreSQL: a page after a cursor (${PAUSED} paused)`, () =>
      store.listPending({ limit: 50, after: middle.nextCursor! }),
    )
    .add(`JSON files: first page of 50 (${JSON_PAUSED} paused)`, () => json.listPending({ limit: 50 }));
  await bench.run();
  console.log(
    `\nlistPending (filled in ${ms(fillMs)} by SQL; the JSON-file store through save: ${ms(jsonFillMs)}, ${ms(jsonFillMs / JSON_PAUSED)} a run)`,
  );
  const means = bench.tasks.map((task) => {
    const result = task.result;
    if (result.state !== "completed") throw new Error(`${task.name} did not complete: ${result.state}`);
    return { name: task.name, mean: result.latency.mean };
  });
  for (const { name, mean } of means) console.log(`  ${name}: ${ms(mean)}`);
  const pgFirst = means[0]!.mean;
  console.log(
    `  target < ${LIST_TARGET_MS} ms a page: ${pgFirst < LIST_TARGET_MS && means[1]!.mean < LIST_TARGET_MS ? "met" : "MISSED"}; ` +
      `PostgreSQL with ${PAUSED / JSON_PAUSED}× the runs takes ${ratio(pgFirst, means[2]!.mean)} the JSON-file store's time`,
  );

  const { rows } = await pool.query<{ bytes: string; runs: string }>(
    `SELECT pg_total_relation_size('"${schema}".runs') AS bytes, count(*) AS runs FROM "${schema}".runs`,
  );
  const pgBytes = Number(rows[0]!.bytes) / Number(rows[0]!.runs);
  let jsonBytes = 0;
  let jsonDisk = 0;
  let files = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        const info = await stat(path);
        jsonBytes += info.size;
        jsonDisk += info.blocks * 512;
        files += 1;
      }
    }
  };
  await walk(jsonDir);
  console.log(`\nbytes per paused run`);
  console.log(`  PostgreSQL (table, TOAST and indexes): ${pgBytes.toFixed(0)} B`);
  console.log(
    `  JSON files: ${(jsonBytes / JSON_PAUSED).toFixed(0)} B of content, ${(jsonDisk / JSON_PAUSED).toFixed(0)} B on disk (${(files / JSON_PAUSED).toFixed(1)} files a run); PostgreSQL: ${ratio(pgBytes, jsonDisk / JSON_PAUSED)} the disk use`,
  );
}

try {
  await store.migrate();
  await createExecutions(pool, schema);
  console.log(`@cortex/queue-bullmq — BullMQ on Redis with PostgreSQL, beside the JSON-file store`);
  // CORTEX_BENCH_ONLY=throughput|latency|pending runs one part.
  const only = process.env.CORTEX_BENCH_ONLY;
  if (!only || only === "throughput") await throughput();
  if (!only || only === "latency") await decisionLatency();
  if (!only || only === "pending") await pendingAndBytes();
} finally {
  await stopWorkers();
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await store.close();
  await pool.end();
  await rm(dir, { recursive: true, force: true });
  await services.stop();
}
