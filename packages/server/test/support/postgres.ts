import { randomBytes } from "node:crypto";
import { PostgresRunStore } from "@cortex/store-postgres";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { PostgresLedger } from "../../src/index.js";
import { silentLogger } from "./server.js";

/** The URL of the test server (see global-setup.ts). */
export const postgresUrl = (): string => inject("postgresUrl");

/** A schema name no other test uses. */
export const freshSchema = (): string => `srv_${randomBytes(6).toString("hex")}`;

/**
 * One pool for a test file, and stores and ledgers in schemas of their own;
 * every schema is dropped and the pool ended when the file ends.
 */
export function usePostgres() {
  let pool: pg.Pool | undefined;
  const schemas = new Set<string>();
  const stores: PostgresRunStore[] = [];
  const poolOf = (): pg.Pool => {
    if (pool === undefined) {
      pool = new pg.Pool({ connectionString: postgresUrl(), max: 8 });
      pool.on("error", () => undefined);
    }
    return pool;
  };
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const schema of schemas) await poolOf().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });
  return {
    pool: poolOf,
    /** A migrated ledger (and its schema) sharing the file's pool. */
    async ledger(key?: string, schema = freshSchema()): Promise<PostgresLedger> {
      schemas.add(schema);
      const ledger = new PostgresLedger({ pool: poolOf(), schema, ...(key ? { key } : {}) });
      await ledger.migrate();
      return ledger;
    },
    /** A migrated run store and a ledger in one schema. */
    async storeAndLedger(key?: string) {
      const schema = freshSchema();
      schemas.add(schema);
      const store = new PostgresRunStore({ pool: poolOf(), schema, logger: silentLogger });
      stores.push(store);
      await store.migrate();
      const ledger = new PostgresLedger({ pool: poolOf(), schema, ...(key ? { key } : {}) });
      await ledger.migrate();
      return { store, ledger, schema };
    },
  };
}
