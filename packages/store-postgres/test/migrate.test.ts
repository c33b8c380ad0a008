import { describe, expect, it } from "vitest";
import { MIGRATIONS, SCHEMA_VERSION, StoreMigrationError } from "../src/index.js";
import { freshSchema, useStores } from "./support/postgres.js";

const stores = useStores();

async function tables(schema: string): Promise<string[]> {
  const { rows } = await stores
    .admin()
    .query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
      [schema],
    );
  return rows.map((row) => row.name);
}

async function versions(schema: string): Promise<number[]> {
  const { rows } = await stores
    .admin()
    .query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
  return rows.map((row) => row.version);
}

describe("migrate", () => {
  it("creates the schema and every table, then does nothing the second time", async () => {
    const store = stores.store();
    expect(await store.migrate()).toEqual({ applied: [1, 2, 3], version: SCHEMA_VERSION });
    expect(await store.migrate()).toEqual({ applied: [], version: SCHEMA_VERSION });
    expect(await tables(store.schema)).toEqual([
      "approvals",
      "parallel_orchestrations",
      "run_fences",
      "runs",
      "schema_migrations",
      "sessions",
      "tool_calls",
    ]);
    expect(await versions(store.schema)).toEqual(MIGRATIONS.map((migration) => migration.version));
  });

  it("applies each migration once when many stores migrate one schema at the same moment", async () => {
    const schema = freshSchema();
    const racers = Array.from({ length: 8 }, () => stores.store({ schema, poolSize: 1 }));
    const reports = await Promise.all(racers.map((store) => store.migrate()));
    expect(reports.flatMap((report) => report.applied).sort()).toEqual([1, 2, 3]);
    expect(reports.every((report) => report.version === SCHEMA_VERSION)).toBe(true);
    expect(await versions(schema)).toEqual([1, 2, 3]);
  });

  it("rolls a failed migration back, leaving the schema as it was, with a coded error", async () => {
    const schema = freshSchema();
    await stores.admin().query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".runs (id int)`);
    const store = stores.store({ schema });
    const failure = await store.migrate().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreMigrationError);
    expect(failure).toMatchObject({ code: "CORTEX_STORE_MIGRATION_FAILED", version: 1, sqlState: "42P07" });
    expect(await tables(schema)).toEqual(["runs"]);
    await expect(store.load("run_x")).rejects.toMatchObject({ code: "CORTEX_STORE_NOT_MIGRATED" });

    await stores.admin().query(`DROP TABLE "${schema}".runs`);
    expect(await store.migrate()).toEqual({ applied: [1, 2, 3], version: SCHEMA_VERSION });
  });

  it("keeps the migrations that succeeded before the one that failed", async () => {
    const schema = freshSchema();
    await stores.admin().query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".sessions (id int)`);
    const store = stores.store({ schema });
    await expect(store.migrate()).rejects.toMatchObject({ code: "CORTEX_STORE_MIGRATION_FAILED", version: 2 });
    expect(await versions(schema)).toEqual([1]);
    expect(await tables(schema)).toEqual(["parallel_orchestrations", "runs", "schema_migrations", "sessions"]);
    await expect(store.load("run_x")).rejects.toMatchObject({
      code: "CORTEX_STORE_NOT_MIGRATED",
      found: 1,
      required: SCHEMA_VERSION,
    });
  });

  it("refuses a database where an applied migration differs from this package's", async () => {
    const store = await stores.migrated();
    await stores.admin().query(`UPDATE "${store.schema}".schema_migrations SET checksum = 'edited' WHERE version = 1`);
    await expect(store.migrate()).rejects.toMatchObject({
      code: "CORTEX_STORE_MIGRATION_FAILED",
      version: 1,
      message: expect.stringMatching(/different SQL/) as unknown,
    });
  });

  it("leaves versions it does not know alone (a newer package migrated this database)", async () => {
    const store = await stores.migrated();
    await stores
      .admin()
      .query(`INSERT INTO "${store.schema}".schema_migrations (version, name, checksum) VALUES (99, 'future', 'x')`);
    expect(await store.migrate()).toEqual({ applied: [], version: 99 });
    expect(await store.load("run_x")).toBeUndefined();
  });
});
