import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import type { LogFields, Logger } from "@cortex/primitives";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { postgresUrl, useStores } from "./support/postgres.js";
import { lockRun, waitingBackends } from "./support/activity.js";
import { pausedRun } from "./support/states.js";

const stores = useStores();
const appName = (): string => `cortex_test_${randomBytes(4).toString("hex")}`;

/** A logger that keeps every line, for asserting what the store reported. */
function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("retries and coded failures against a real server", () => {
  it("retries a claim whose connection is killed while it waits, on a new connection, and wins once", async () => {
    const applicationName = appName();
    const store = await stores.migrated({ applicationName, retry: { attempts: 5, baseDelayMs: 5 } });
    const state = pausedRun();
    await store.save(state);
    const lock = await lockRun(stores.admin(), store.schema, state.runId);
    const claiming = store.claim(state.checkpoint!.id);
    const [killed] = await waitingBackends(stores.admin(), applicationName);
    await stores.admin().query("SELECT pg_terminate_backend($1)", [killed]);
    // The retry waits on the same lock, on a new connection.
    const [retried] = await waitingBackends(stores.admin(), applicationName, 1, [killed!]);
    expect(retried).not.toBe(killed);
    await lock.release();
    expect(await claiming).toEqual(state);
    expect(await store.claim(state.checkpoint!.id)).toBeUndefined();
  });

  it("reports a killed connection as CORTEX_STORE_CONNECTION_FAILED when retries are off, and recovers", async () => {
    const applicationName = appName();
    const store = await stores.migrated({ applicationName, retry: { attempts: 1 } });
    const state = pausedRun();
    await store.save(state);
    const lock = await lockRun(stores.admin(), store.schema, state.runId);
    const claiming = store.claim(state.checkpoint!.id).catch((error: unknown) => error);
    const [killed] = await waitingBackends(stores.admin(), applicationName);
    await stores.admin().query("SELECT pg_terminate_backend($1)", [killed]);
    expect(await claiming).toMatchObject({ code: "CORTEX_STORE_CONNECTION_FAILED", sqlState: "57P01", attempts: 1 });
    await lock.release();
    // The killed claim never committed: the checkpoint is still there to take.
    expect(await store.claim(state.checkpoint!.id)).toEqual(state);
  });

  it("survives the server dropping its idle connections, and says so in the log", async () => {
    const applicationName = appName();
    const { logger, lines } = recordingLogger();
    const store = await stores.migrated({ applicationName, logger });
    const state = pausedRun();
    await store.save(state);
    await stores
      .admin()
      .query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [applicationName]);
    // The pool notices the lost connection within moments; a loaded machine gets 30 s.
    const due = Date.now() + 30_000;
    while (!lines.some((line) => line.level === "warn") && Date.now() < due)
      await new Promise((r) => setTimeout(r, 20));
    expect(lines.filter((line) => line.level === "warn").map((line) => line.message)).toContain(
      "an idle PostgreSQL connection was lost",
    );
    expect(await store.load(state.runId)).toEqual(state);
  });

  it("gives up on a server that refuses connections after its attempts, with CORTEX_STORE_CONNECTION_FAILED", async () => {
    const port = await closedPort();
    const store = stores.store({
      connectionString: `postgres://postgres:x@127.0.0.1:${port}/postgres`,
      retry: { attempts: 3, baseDelayMs: 1 },
    });
    const failure = (await store.load("run_x").catch((error: unknown) => error)) as Error & { cause: unknown };
    expect(failure).toMatchObject({ code: "CORTEX_STORE_CONNECTION_FAILED", attempts: 3 });
    expect(failure.cause).toMatchObject({ code: "ECONNREFUSED" });
    expect(failure.message).not.toContain("postgres:x@");
  });

  it("does not retry a refused login, and never shows the password", async () => {
    const url = new URL(postgresUrl());
    const password = "wrong-" + randomBytes(4).toString("hex");
    url.password = password;
    const store = stores.store({ connectionString: url.toString(), retry: { attempts: 5, baseDelayMs: 1 } });
    const failure = (await store.load("run_x").catch((error: unknown) => error)) as Error;
    expect(failure).toMatchObject({ code: "CORTEX_STORE_CONNECTION_FAILED", sqlState: "28P01", attempts: 1 });
    expect(failure.message).not.toContain(password);
  });

  describe("under serializable isolation", () => {
    const serializablePool = (applicationName: string) =>
      new pg.Pool({
        connectionString: postgresUrl(),
        max: 10,
        application_name: applicationName,
        options: "-c default_transaction_isolation=serializable",
      });

    it("retries serialization failures: of many claimers queued on one run, exactly one wins", async () => {
      const applicationName = appName();
      const pool = serializablePool(applicationName);
      const { logger, lines } = recordingLogger();
      try {
        const store = await stores.migrated({ pool, logger, retry: { attempts: 10, baseDelayMs: 2 } });
        const state = pausedRun();
        await store.save(state);
        const lock = await lockRun(
          stores.admin(),
          store.schema,
          state.runId,
          "UPDATE {t} SET updated_at = now() WHERE run_id = $1",
        );
        const claims = Array.from({ length: 8 }, () => store.claim(state.checkpoint!.id));
        await waitingBackends(stores.admin(), applicationName, 8);
        await lock.release();
        const results = await Promise.all(claims);
        expect(results.filter((result) => result !== undefined)).toEqual([state]);
        const retried = lines.filter((line) => line.message === "retrying a PostgreSQL operation");
        expect(retried.length).toBeGreaterThanOrEqual(8);
        expect(retried.every((line) => line.fields?.sqlState === "40001")).toBe(true);
      } finally {
        await pool.end();
      }
    });

    it("reports CORTEX_STORE_SERIALIZATION_FAILED when out of attempts, and the checkpoint stays claimable", async () => {
      const applicationName = appName();
      const pool = serializablePool(applicationName);
      try {
        const store = await stores.migrated({ pool, retry: { attempts: 1 } });
        const state = pausedRun();
        await store.save(state);
        const lock = await lockRun(
          stores.admin(),
          store.schema,
          state.runId,
          "UPDATE {t} SET updated_at = now() WHERE run_id = $1",
        );
        const claims = Array.from({ length: 4 }, () =>
          store.claim(state.checkpoint!.id).catch((error: unknown) => error),
        );
        await waitingBackends(stores.admin(), applicationName, 4);
        await lock.release();
        const failures = await Promise.all(claims);
        for (const failure of failures) {
          expect(failure).toMatchObject({ code: "CORTEX_STORE_SERIALIZATION_FAILED", sqlState: "40001", attempts: 1 });
        }
        expect(await store.claim(state.checkpoint!.id)).toEqual(state);
      } finally {
        await pool.end();
      }
    });
  });
});
