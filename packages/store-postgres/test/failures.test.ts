import { createServer } from "node:net";
import { InvalidOptionsError } from "@cortex/primitives";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { classify } from "../src/failures.js";
import { freshSchema, postgresUrl, useStores } from "./support/postgres.js";

const stores = useStores();

/** The error a real call rejects with. */
const failureOf = (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );

async function client(url = postgresUrl()): Promise<pg.Client> {
  const made = new pg.Client({ connectionString: url });
  made.on("error", () => undefined); // the terminated-backend cases end the connection on purpose
  await made.connect();
  return made;
}

describe("classify (errors from a real server and driver)", () => {
  it("retries a deadlock (40P01) as a serialization failure", async () => {
    const schema = freshSchema("dl");
    await stores
      .admin()
      .query(
        `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.t (id int PRIMARY KEY); INSERT INTO ${schema}.t VALUES (1), (2)`,
      );
    const [a, b] = await Promise.all([client(), client()]);
    try {
      await a.query("BEGIN");
      await b.query("BEGIN");
      await a.query(`UPDATE ${schema}.t SET id = id WHERE id = 1`);
      await b.query(`UPDATE ${schema}.t SET id = id WHERE id = 2`);
      const results = await Promise.allSettled([
        a.query(`UPDATE ${schema}.t SET id = id WHERE id = 2`),
        b.query(`UPDATE ${schema}.t SET id = id WHERE id = 1`),
      ]);
      const rejected = results.filter((result) => result.status === "rejected");
      expect(rejected).toHaveLength(1);
      expect(classify(rejected[0]!.reason)).toEqual({ kind: "serialization", transient: true, sqlState: "40P01" });
    } finally {
      await Promise.all([a.end(), b.end()]);
      await stores.admin().query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  it("retries a terminated backend (57P01) and a connection that is no longer usable", async () => {
    const victim = await client();
    const { rows } = await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pid = rows[0]!.pid;
    const sleeping = failureOf(victim.query("SELECT pg_sleep(30)"));
    // Terminated while the statement runs, not before it arrives (however slowly a loaded machine sends it).
    for (let due = Date.now() + 30_000; Date.now() < due; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const { rows: active } = await stores
        .admin()
        .query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", [pid]);
      if (active.length > 0) break;
    }
    await stores.admin().query("SELECT pg_terminate_backend($1)", [pid]);
    expect(classify(await sleeping)).toEqual({ kind: "connection", transient: true, sqlState: "57P01" });
    const after = await failureOf(victim.query("SELECT 1"));
    expect(classify(after)).toMatchObject({ kind: "connection", transient: true });
  });

  it("retries a refused connection, but not a refused login or a missing database", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const refused = await failureOf(client(`postgres://postgres:x@127.0.0.1:${port}/postgres`));
    expect(classify(refused)).toEqual({ kind: "connection", transient: true, sqlState: undefined });

    const url = new URL(postgresUrl());
    url.password = "wrong";
    expect(classify(await failureOf(client(url.toString())))).toEqual({
      kind: "connection",
      transient: false,
      sqlState: "28P01",
    });
    const noDatabase = new URL(postgresUrl());
    noDatabase.pathname = "/no_such_database";
    expect(classify(await failureOf(client(noDatabase.toString())))).toEqual({
      kind: "connection",
      transient: false,
      sqlState: "3D000",
    });
  });

  it("reads a missing table as a schema that was not migrated, and other refusals as final", async () => {
    const missing = await failureOf(stores.admin().query("SELECT * FROM no_such_schema_x.runs"));
    expect(classify(missing)).toEqual({ kind: "not-migrated", transient: false, sqlState: "42P01" });
    const syntax = await failureOf(stores.admin().query("SELEKT 1"));
    expect(classify(syntax)).toEqual({ kind: "query", transient: false, sqlState: "42601" });
    expect(classify(new Error("boom"))).toEqual({ kind: "query", transient: false, sqlState: undefined });
    // A Cortex error is final whatever its message says.
    expect(classify(new InvalidOptionsError("x", "connection terminated"))).toMatchObject({ transient: false });
  });
});
