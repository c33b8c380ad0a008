import { InvalidOptionsError, isLogger, type Logger } from "@cortex/primitives";
import type { Pool } from "pg";

/** Every default of `@cortex/store-postgres`, in one place. */
export const STORE_POSTGRES_DEFAULTS = {
  /** The PostgreSQL schema that holds the store's tables. */
  schema: "cortex",
  /** Connections in a pool the store creates itself. */
  poolSize: 10,
  /** How long a pool the store creates waits for a new connection. */
  connectTimeoutMs: 10_000,
  /** `application_name` of a pool the store creates (shown in `pg_stat_activity`). */
  applicationName: "cortex",
  /** Tries of an operation that fails with a transient error (the first one included). */
  retryAttempts: 5,
  /** Backoff before the second try; it doubles for each further one, with full jitter. */
  retryBaseDelayMs: 20,
  /** The longest backoff between two tries. */
  retryMaxDelayMs: 1_000,
  /** Items per `listPending` page when no `limit` is given. */
  pageSize: 50,
  /** The largest `limit` `listPending` accepts. */
  maxPageSize: 1_000,
  /** Paused runs `expirePaused` takes at most per call when no `limit` is given. */
  expireBatchSize: 100,
} as const;

/** How a store retries an operation that failed with a transient error (connection lost, serialization failure, deadlock). */
export interface RetryOptions {
  /** Tries in all, the first one included; 1 turns retries off. Default 5. */
  attempts?: number;
  /** Backoff before the second try, doubled for each further one (with full jitter). Default 20 ms. */
  baseDelayMs?: number;
  /** The longest backoff. Default 1000 ms. */
  maxDelayMs?: number;
}

/** Options of `new PostgresRunStore(options)`: exactly one of `connectionString` and `pool`. */
export interface PostgresRunStoreOptions {
  /** A `postgres://` URL; the store creates its own pool and ends it on `close()`. */
  connectionString?: string;
  /** A `pg` pool to use; it stays yours (`close()` does not end it; give it an `"error"` listener). */
  pool?: Pool;
  /** The schema holding the tables (created by `migrate()`). Lowercase letters, digits and `_`. Default `cortex`. */
  schema?: string;
  /** Connections in the pool the store creates. Default 10. */
  poolSize?: number;
  /** `application_name` of the pool the store creates. Default `cortex`. */
  applicationName?: string;
  /**
   * Paused runs expire this long after their checkpoint was created
   * (`expiresAt` in `listPending`, taken by `expirePaused`). Default: never,
   * unless the checkpoint itself carries an `expiresAt`.
   */
  pausedTtlMs?: number;
  /** Retries of transient failures. */
  retry?: RetryOptions;
  /** Where retries and lost idle connections are reported. Default: `consoleLogger`. */
  logger?: Logger;
}

/** Options after checking, with every default filled in. */
export interface ResolvedOptions {
  schema: string;
  pausedTtlMs: number | undefined;
  retry: Required<RetryOptions>;
  logger: Logger | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const WHERE = "new PostgresRunStore";

function positive(option: string, value: unknown, integer: boolean): number {
  if (typeof value === "number" && value > 0 && Number.isFinite(value) && (!integer || Number.isInteger(value)))
    return value;
  throw new InvalidOptionsError(
    option,
    `${WHERE}: ${option} must be a ${integer ? "whole " : ""}number > 0; got ${String(value)}`,
  );
}

/** Checks the options (every problem is `CORTEX_INVALID_OPTIONS`) and fills in the defaults. */
export function resolveOptions(options: PostgresRunStoreOptions): ResolvedOptions {
  const given = [options.connectionString, options.pool].filter((value) => value !== undefined).length;
  if (given !== 1)
    throw new InvalidOptionsError("connectionString", `${WHERE}: give exactly one of connectionString and pool`);
  if (options.connectionString !== undefined && typeof options.connectionString !== "string")
    throw new InvalidOptionsError("connectionString", `${WHERE}: connectionString must be a postgres:// URL string`);
  const schema = options.schema ?? STORE_POSTGRES_DEFAULTS.schema;
  if (typeof schema !== "string" || !SCHEMA_NAME.test(schema))
    throw new InvalidOptionsError(
      "schema",
      `${WHERE}: schema must be lowercase letters, digits and _ (at most 63, not starting with a digit); got ${JSON.stringify(schema)}`,
    );
  if (options.poolSize !== undefined) positive("poolSize", options.poolSize, true);
  if (options.logger !== undefined && !isLogger(options.logger))
    throw new InvalidOptionsError("logger", `${WHERE}: logger needs debug, info, warn and error functions`);
  const retry = options.retry ?? {};
  return {
    schema,
    pausedTtlMs: options.pausedTtlMs === undefined ? undefined : positive("pausedTtlMs", options.pausedTtlMs, false),
    retry: {
      attempts: positive("retry.attempts", retry.attempts ?? STORE_POSTGRES_DEFAULTS.retryAttempts, true),
      baseDelayMs: positive("retry.baseDelayMs", retry.baseDelayMs ?? STORE_POSTGRES_DEFAULTS.retryBaseDelayMs, false),
      maxDelayMs: positive("retry.maxDelayMs", retry.maxDelayMs ?? STORE_POSTGRES_DEFAULTS.retryMaxDelayMs, false),
    },
    logger: options.logger,
  };
}
