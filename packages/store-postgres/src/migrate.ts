import { createHash } from "node:crypto";
import type { PoolClient } from "pg";
import type { Database } from "./database.js";
import { StoreMigrationError, StoreNotMigratedError } from "./errors.js";
import { classify } from "./failures.js";
import { MIGRATIONS, SCHEMA_VERSION, checksumOf, sqlFor, type Migration } from "./migrations.js";

/** What `migrate()` did. */
export interface MigrationReport {
  /** Versions applied by this call, in order (empty when the schema was up to date). */
  applied: number[];
  /** The schema's version afterwards. */
  version: number;
}

/** A schema name (checked against `[a-z_][a-z0-9_]*` by the options) as a quoted identifier. */
export const quote = (schema: string): string => `"${schema}"`;

/**
 * The advisory lock every migration of this schema takes: a 64-bit key
 * derived from the schema name, so two schemas migrate independently.
 */
export function migrationLockKey(schema: string): string {
  const digest = createHash("sha256").update(`cortex-store-postgres:migrate:${schema}`).digest();
  return digest.readBigInt64BE(0).toString();
}

interface Applied {
  version: number;
  checksum: string;
}

async function appliedMigrations(client: PoolClient, schema: string): Promise<Applied[]> {
  const exists = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  // CREATE SCHEMA needs the CREATE privilege even with IF NOT EXISTS, so it is only run when needed.
  if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quote(schema)}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${quote(schema)}.schema_migrations (
       version    integer PRIMARY KEY,
       name       text NOT NULL,
       checksum   text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now()
     )`,
  );
  const { rows } = await client.query<Applied>(
    `SELECT version, checksum FROM ${quote(schema)}.schema_migrations ORDER BY version`,
  );
  return rows;
}

function checkApplied(applied: Applied[]): void {
  for (const row of applied) {
    const known = MIGRATIONS.find((migration) => migration.version === row.version);
    if (known && checksumOf(known) !== row.checksum) {
      throw new StoreMigrationError(
        row.version,
        `Migration ${row.version} ("${known.name}") was applied with different SQL than this version of @cortex/store-postgres has`,
      );
    }
  }
}

async function apply(client: PoolClient, schema: string, migration: Migration): Promise<void> {
  try {
    await client.query(sqlFor(migration, quote(schema)));
  } catch (error) {
    // A lost connection rolls back and the whole step is tried again; anything else is this migration's fault.
    if (classify(error).transient) throw error;
    throw new StoreMigrationError(
      migration.version,
      `Migration ${migration.version} ("${migration.name}") failed and was rolled back: ${(error as Error).message}`,
      { cause: error, sqlState: classify(error).sqlState },
    );
  }
  await client.query(`INSERT INTO ${quote(schema)}.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)`, [
    migration.version,
    migration.name,
    checksumOf(migration),
  ]);
}

/**
 * Brings `schema` to {@link SCHEMA_VERSION}. Each migration runs in its own
 * transaction holding the schema's advisory lock, and checks again under
 * the lock which versions are applied: processes migrating at once apply
 * each migration exactly once, and a failed migration leaves the schema
 * as it was before it. Safe to call any number of times.
 */
export async function migrate(db: Database, schema: string): Promise<MigrationReport> {
  const applied: number[] = [];
  for (;;) {
    const step = await db.transaction("migrate", async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [migrationLockKey(schema)]);
      const done = await appliedMigrations(client, schema);
      checkApplied(done);
      const next = MIGRATIONS.find((migration) => !done.some((row) => row.version === migration.version));
      if (next === undefined) return { upToDate: true, version: Math.max(0, ...done.map((row) => row.version)) };
      await apply(client, schema, next);
      return { upToDate: false, version: next.version };
    });
    if (step.upToDate) return { applied, version: step.version };
    applied.push(step.version);
  }
}

/** Resolves when `schema` is at {@link SCHEMA_VERSION} or newer; otherwise rejects with `CORTEX_STORE_NOT_MIGRATED`. */
export async function checkMigrated(db: Database, schema: string): Promise<void> {
  const { rows } = await db.query<{ version: number | null }>(
    "check the schema version",
    `SELECT max(version) AS version FROM ${quote(schema)}.schema_migrations`,
  );
  const found = rows[0]?.version ?? 0;
  if (found >= SCHEMA_VERSION) return;
  throw new StoreNotMigratedError(
    found,
    SCHEMA_VERSION,
    `Schema "${schema}" is at version ${found}; this store needs ${SCHEMA_VERSION}. Run migrate() (or \`cortex db migrate\`) first`,
  );
}
