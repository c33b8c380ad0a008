/**
 * PostgresRunStore beside JsonFileRunStore on the same machine, each in
 * this process: pausing and resuming runs, loading one, listing pending
 * checkpoints among many paused runs (default 100 000; CORTEX_BENCH_PAUSED
 * to change), and the bytes each keeps per paused run. PostgreSQL runs
 * durable (fsync on), started by scripts/services unless
 * CORTEX_TEST_POSTGRES_URL names a server. Missed targets are printed, not
 * fatal: shared machines are noisy.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonFileRunStore } from "@cortex/core";
import { silentLogger } from "@cortex/primitives";
import pg from "pg";
import { Bench } from "tinybench";
import { PostgresRunStore } from "../src/index.js";
import { runColumns } from "../src/run-columns.js";
import { AGENTS, forEachLimited, pausedRun } from "./runs.js";
import { postgresForBench } from "./services.js";

const PAUSED = Number(process.env.CORTEX_BENCH_PAUSED ?? 100_000);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1_000);
const LIST_TARGET_MS = 50;

const server = await postgresForBench();
const schema = `bench_${process.pid}`;
const admin = new pg.Pool({ connectionString: server.url, max: 2 });
const store = new PostgresRunStore({ connectionString: server.url, schema, poolSize: 32, logger: silentLogger });
const dir = await mkdtemp(join(tmpdir(), "cortex-bench-json-"));
const json = new JsonFileRunStore(dir);

try {
  await store.migrate();
  console.log(
    `\n@cortex/store-postgres — PostgreSQL ${(await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v} (durable) vs JsonFileRunStore`,
  );

  // Fill both stores with the same paused runs: PostgreSQL in bulk, the JSON-file store through its own save.
  let started = performance.now();
  for (let from = 0; from < PAUSED; from += 2_000) {
    const rows = Array.from({ length: Math.min(2_000, PAUSED - from) }, (_, k) => {
      const state = pausedRun(from + k);
      const [run_id, agent_id, status, , session_id, checkpoint_id, plugin, action, tier, paused_at, expires_at] =
        runColumns(state, undefined);
      return {
        run_id,
        agent_id,
        status,
        state,
        session_id,
        checkpoint_id,
        plugin,
        action,
        tier,
        paused_at,
        expires_at,
      };
    });
    await admin.query(
      `INSERT INTO "${schema}".runs (run_id, agent_id, status, state, session_id, checkpoint_id, plugin, action, tier, paused_at, expires_at)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(run_id text, agent_id text, status text, state jsonb, session_id text,
         checkpoint_id text, plugin text, action text, tier text, paused_at timestamptz, expires_at timestamptz)`,
      [JSON.stringify(rows)],
    );
  }
  await admin.query(`ANALYZE "${schema}".runs`);
  const pgFill = performance.now() - started;
  started = performance.now();
  const jsonRuns: string[] = [];
  await forEachLimited(PAUSED, 32, async (i) => {
    const state = pausedRun(i);
    jsonRuns.push(state.runId);
    await json.save(state);
  });
  const jsonFill = performance.now() - started;
  console.log(
    `filled ${PAUSED} paused runs: PostgreSQL ${(pgFill / 1000).toFixed(1)} s (bulk insert), JSON files ${(jsonFill / 1000).toFixed(1)} s (save, 32 at once)`,
  );

  // Bytes per paused run.
  const { rows: size } = await admin.query<{ total: string; state: string }>(
    `SELECT pg_total_relation_size('"${schema}".runs') AS total, (SELECT avg(pg_column_size(state)) FROM "${schema}".runs) AS state`,
  );
  let apparent = 0;
  let disk = 0;
  for (const sub of ["runs", "checkpoints"]) {
    for (const name of await readdir(join(dir, sub))) {
      const info = await stat(join(dir, sub, name));
      apparent += info.size;
      disk += info.blocks * 512;
    }
  }

  // A cursor half way through, reached the way a client would: page after page.
  let middle: string | undefined;
  for (let page = 0; page < PAUSED / 2 / 1_000; page++) {
    middle = (await store.listPending({ limit: 1_000, ...(middle ? { after: middle } : {}) })).nextCursor;
  }
  let n = PAUSED;

  /** The least a page of the JSON-file store costs (it has no listPending): list its checkpoints, read 50 runs. */
  const jsonPage = async (): Promise<void> => {
    const names = (await readdir(join(dir, "checkpoints"))).slice(0, 50);
    await Promise.all(
      names.map(async (name) => {
        const runId = (await readFile(join(dir, "checkpoints", name), "utf8")).trim();
        JSON.parse(await readFile(join(dir, "runs", `${runId}.json`), "utf8"));
      }),
    );
  };

  const pairs: {
    name: string;
    json: () => Promise<unknown>;
    postgres: () => Promise<unknown>;
    target?: number;
    /** Operations per iteration, when an iteration does several at once. */
    per?: number;
  }[] = [
    {
      name: "pause (save a paused run)",
      json: () => json.save(pausedRun(n++)),
      postgres: () => store.save(pausedRun(n++)),
    },
    {
      name: "pause, 32 runs at once (per run)",
      json: () => Promise.all(Array.from({ length: 32 }, () => json.save(pausedRun(n++)))),
      postgres: () => Promise.all(Array.from({ length: 32 }, () => store.save(pausedRun(n++)))),
      per: 32,
    },
    {
      name: "pause + resume (save, claim, delete)",
      json: async () => {
        const state = pausedRun(n++);
        await json.save(state);
        await json.claim(state.checkpoint!.id);
        await json.delete(state.runId);
      },
      postgres: async () => {
        const state = pausedRun(n++);
        await store.save(state);
        await store.claim(state.checkpoint!.id);
        await store.delete(state.runId);
      },
    },
    {
      name: "load a paused run",
      json: () => json.load(jsonRuns[n++ % jsonRuns.length]!),
      postgres: () => store.load(jsonRuns[n++ % jsonRuns.length]!),
    },
    {
      name: "listPending: first page (50)",
      json: jsonPage,
      postgres: () => store.listPending(),
      target: LIST_TARGET_MS,
    },
    {
      name: "listPending: page at 50% by cursor (50)",
      json: jsonPage,
      postgres: () => store.listPending({ after: middle! }),
      target: LIST_TARGET_MS,
    },
    {
      name: "listPending: one agent of 10 (50)",
      json: jsonPage,
      postgres: () => store.listPending({ agentId: AGENTS[n++ % AGENTS.length]! }),
      target: LIST_TARGET_MS,
    },
    {
      name: "listPending: tier ADMIN, 1 in 7 (50)",
      json: jsonPage,
      postgres: () => store.listPending({ tier: "ADMIN" }),
      target: LIST_TARGET_MS,
    },
  ];

  const rows = [];
  for (const pair of pairs) {
    const bench = new Bench({ time: TIME_MS, warmup: true });
    bench.add("json", pair.json).add("postgres", pair.postgres);
    await bench.run();
    const stats = (name: string) => {
      const result = bench.tasks.find((task) => task.name === name)!.result;
      if (result.state !== "completed") throw new Error(`${pair.name} (${name}) did not complete: ${result.state}`);
      return result;
    };
    const [j, p] = [stats("json"), stats("postgres")];
    const per = pair.per ?? 1;
    rows.push({
      benchmark: pair.name,
      "json ms (mean)": (j.period / per).toFixed(2),
      "postgres ms (mean)": (p.period / per).toFixed(2),
      "postgres p99 ms": per === 1 ? p.latency.p99.toFixed(2) : "",
      "postgres / json": `${(p.period / j.period).toFixed(2)}x`,
      target: pair.target ? `mean < ${pair.target} ms` : "",
      result: pair.target ? (p.period < pair.target ? "pass" : "MISSED") : "",
    });
  }
  console.table(rows);
  console.log("PostgreSQL commits are durable (fsync); the JSON-file store writes without fsync.");
  console.table([
    {
      "bytes per paused run": "postgres (table + TOAST + indexes)",
      bytes: Math.round(Number(size[0]!.total) / PAUSED),
      "of which state (JSONB, compressed)": Math.round(Number(size[0]!.state)),
    },
    { "bytes per paused run": "json files (apparent size)", bytes: Math.round(apparent / PAUSED) },
    { "bytes per paused run": "json files (disk blocks)", bytes: Math.round(disk / PAUSED) },
  ]);
} finally {
  await store.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
  await server.stop();
}
