import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { silentLogger } from "@cortex/primitives";
import { PostgresRunStore } from "@cortex/store-postgres";
import { build } from "esbuild";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { createExecutions } from "./agent.js";

export const postgresUrl = (): string => inject("postgresUrl");
export const redisUrl = (): string => inject("redisUrl");

/** A name no other test uses: a schema, a queue. */
export const fresh = (label: string): string => `${label}_${randomBytes(5).toString("hex")}`;

/**
 * One migrated schema (with the ops plugin's executions table) and a pool
 * for a test file; dropped and ended when the file ends.
 */
export function useDatabase() {
  const schema = fresh("q");
  const pool = new pg.Pool({ connectionString: postgresUrl(), max: 10 });
  pool.on("error", () => undefined);
  const store = new PostgresRunStore({ pool, schema, logger: silentLogger });
  let ready: Promise<void> | undefined;
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await store.close();
    await pool.end();
  });
  return {
    schema,
    pool,
    store,
    /** Resolves once the schema and the executions table exist. */
    ready: () => (ready ??= store.migrate().then(() => createExecutions(pool, schema))),
  };
}

const fixture = join(import.meta.dirname, "..", "fixtures", "worker.ts");

/** Resolves once the child prints `line` on stdout; rejects if it exits first. */
function printed(child: ChildProcess, line: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (each) => each === line && resolve());
    child.on("error", reject);
    child.on("exit", (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before "${line}"`)));
  });
}

/** A worker process (test/fixtures/worker.ts); resolves once it takes jobs. */
export async function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture], {
    cwd: import.meta.dirname,
    env: { ...process.env, CX_POSTGRES_URL: postgresUrl(), CX_REDIS_URL: redisUrl(), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await printed(child, "ready");
  return child;
}

/**
 * The worker fixture bundled into one file, built once per test file and
 * removed after it: a process starts it in a fraction of the CPU time that
 * tsx and hundreds of modules take, so workers can be replaced as fast as
 * they are killed, even on a busy machine.
 */
let bundled: Promise<string> | undefined;
export function bundledWorker(): Promise<string> {
  bundled ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "cx-worker-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, "worker.mjs");
    await build({
      entryPoints: [fixture],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "error",
      // The CommonJS packages inside (pg, ioredis) require Node's own modules.
      banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
    });
    return outfile;
  })();
  return bundled;
}

/** A worker process that has loaded everything and waits; `go` makes it take jobs. */
export interface StandbyWorker {
  readonly child: ChildProcess;
  /** Starts its BullMQ worker; resolves once it takes jobs. */
  go(): Promise<void>;
}

/** Starts a standby worker (the bundled fixture with CX_STANDBY=1); resolves once it waits for `go`. */
export async function spawnStandby(env: Record<string, string>): Promise<StandbyWorker> {
  const child = spawn(process.execPath, [await bundledWorker()], {
    cwd: import.meta.dirname,
    env: { ...process.env, CX_POSTGRES_URL: postgresUrl(), CX_REDIS_URL: redisUrl(), ...env, CX_STANDBY: "1" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const ready = printed(child, "ready");
  // Until it is told to go, only its exit (reported by `printed`) matters.
  ready.catch(() => undefined);
  await printed(child, "standby");
  return {
    child,
    go() {
      child.stdin.write("go\n");
      return ready;
    },
  };
}

/** Ends a worker process: SIGTERM (it closes; killed if it has not within 15 s), or SIGKILL; resolves once it has exited. */
export function stopWorker(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const late = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(late);
      resolve();
    });
    child.kill(signal);
  });
}
