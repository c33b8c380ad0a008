import { messageOf } from "@cortex/primitives";
import { InvalidOptionsError } from "../errors.js";
import { PostgresLedger, type SqlPool } from "../ledger/postgres-ledger.js";
import type { LedgerKey } from "../ledger/record.js";
import type { PendingSource } from "../pending.js";

/** The environment variable that may hold the PostgreSQL URL (kept off the command line, where `ps` shows it). */
export const POSTGRES_URL_ENV = "CORTEX_SERVER_POSTGRES_URL";

/** A pool, the store on it and the ledger beside it. */
export interface PostgresSetup {
  pool: SqlPool;
  ledger: PostgresLedger;
  /** The run store; loaded only when asked for. */
  store?: PendingSource & { close(): Promise<void> };
  close(): Promise<void>;
}

async function importOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    throw new InvalidOptionsError(
      "postgres",
      `--postgres needs the package ${name} installed beside @cortex/server (${messageOf(error)})`,
    );
  }
}

/**
 * Opens one `pg` pool for the run store and the ledger. `pg` and
 * `@cortex/store-postgres` are optional peer dependencies: installed only
 * by those who use PostgreSQL.
 */
export async function openPostgres(
  url: string,
  schema: string | undefined,
  key: LedgerKey | undefined,
  withStore = false,
): Promise<PostgresSetup> {
  const pg = await importOptional<{
    default?: {
      Pool: new (options: object) => SqlPool & { end(): Promise<void>; on(event: string, listener: () => void): void };
    };
  }>("pg");
  const Pool = pg.default?.Pool ?? (pg as unknown as { Pool: NonNullable<typeof pg.default>["Pool"] }).Pool;
  const pool = new Pool({ connectionString: url, max: 5, application_name: "cortex-serve" });
  pool.on("error", () => undefined); // an idle connection the server dropped; the next query reconnects
  const ledger = new PostgresLedger({ pool, ...(schema ? { schema } : {}), ...(key ? { key } : {}) });
  let store: PostgresSetup["store"];
  if (withStore) {
    const module = await importOptional<{
      PostgresRunStore: new (options: object) => PendingSource & { close(): Promise<void> };
    }>("@cortex/store-postgres");
    store = new module.PostgresRunStore({ pool, ...(schema ? { schema } : {}) });
  }
  return {
    pool,
    ledger,
    ...(store ? { store } : {}),
    async close() {
      await store?.close();
      await pool.end();
    },
  };
}
