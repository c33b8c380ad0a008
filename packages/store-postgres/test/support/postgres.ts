import { randomBytes } from "node:crypto";
import { silentLogger } from "@cortex/primitives";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { PostgresRunStore, type PostgresRunStoreOptions } from "../../src/index.js";

/** The URL of the test server (see global-setup.ts). */
export const postgresUrl = (): string => inject("postgresUrl");

/** A schema name no other test uses, so test files can run at once against one server. */
export const freshSchema = (label = "t"): string => `${label}_${randomBytes(6).toString("hex")}`;

/**
 * Stores for one test file: each in its own schema unless told otherwise;
 * every store is closed, every schema dropped and the admin pool ended
 * when the file ends.
 */
export function useStores() {
  const stores: PostgresRunStore[] = [];
  const schemas = new Set<string>();
  let adminPool: pg.Pool | undefined;
  const admin = (): pg.Pool => {
    if (adminPool === undefined) {
      adminPool = new pg.Pool({ connectionString: postgresUrl(), max: 4 });
      adminPool.on("error", () => undefined); // an idle connection lost while a test restarts things
    }
    return adminPool;
  };
  const store = (options: Partial<PostgresRunStoreOptions> = {}): PostgresRunStore => {
    const schema = options.schema ?? freshSchema();
    schemas.add(schema);
    const made = new PostgresRunStore({
      ...(options.pool ? {} : { connectionString: postgresUrl() }),
      logger: silentLogger,
      ...options,
      schema,
    });
    stores.push(made);
    return made;
  };
  const migrated = async (options: Partial<PostgresRunStoreOptions> = {}): Promise<PostgresRunStore> => {
    const made = store(options);
    await made.migrate();
    return made;
  };
  afterAll(async () => {
    await Promise.all(stores.map((each) => each.close()));
    for (const schema of schemas) await admin().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await adminPool?.end();
  });
  return { store, migrated, admin };
}
