import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { silentLogger } from "@cortex/primitives";
import { PostgresRunStore } from "@cortex/store-postgres";
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

/** A worker process (test/fixtures/worker.ts); resolves once it takes jobs. */
export async function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture], {
    cwd: import.meta.dirname,
    env: { ...process.env, CX_POSTGRES_URL: postgresUrl(), CX_REDIS_URL: redisUrl(), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => line === "ready" && resolve());
    child.on("error", reject);
    child.on("exit", (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it was ready`)));
  });
  return child;
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
