import { CortexError, InvalidOptionsError, type CortexErrorOptions, type ErrorTable } from "@cortex/primitives";

/** Every code `@cortex/store-postgres` throws, with the class that carries it. */
export const STORE_POSTGRES_ERRORS = {
  CORTEX_STORE_CONNECTION_FAILED: "StoreConnectionError",
  CORTEX_STORE_SERIALIZATION_FAILED: "StoreSerializationError",
  CORTEX_STORE_MIGRATION_FAILED: "StoreMigrationError",
  CORTEX_STORE_NOT_MIGRATED: "StoreNotMigratedError",
  CORTEX_STORE_QUERY_FAILED: "StoreQueryError",
  CORTEX_STORE_CLOSED: "StoreClosedError",
  CORTEX_STORE_FENCED: "StoreFencedError",
  CORTEX_INVALID_OPTIONS: "InvalidOptionsError",
} as const satisfies ErrorTable;

/** A code of {@link STORE_POSTGRES_ERRORS}. */
export type StorePostgresErrorCode = keyof typeof STORE_POSTGRES_ERRORS;

export { InvalidOptionsError };

/** What a store error knows beside its message: the server's SQLSTATE and how many attempts were made. */
export interface StoreErrorOptions extends CortexErrorOptions {
  /** The five-character SQLSTATE of the server's error, when the server answered with one. */
  readonly sqlState?: string | undefined;
  /** How many times the operation was tried (1 when it was not retried). */
  readonly attempts?: number;
}

/** Base of the errors a PostgreSQL store throws after its retries; `cause` is the driver's error. */
export class StoreError<C extends StorePostgresErrorCode = StorePostgresErrorCode> extends CortexError<C> {
  /** The five-character SQLSTATE of the server's error, when the server answered with one. */
  readonly sqlState: string | undefined;
  /** How many times the operation was tried (1 when it was not retried). */
  readonly attempts: number;

  constructor(code: C, message: string, options: StoreErrorOptions = {}) {
    super(code, message, options);
    this.sqlState = options.sqlState;
    this.attempts = options.attempts ?? 1;
  }
}

/** The server could not be reached, refused the login, or the connection was lost, on every attempt. */
export class StoreConnectionError extends StoreError<"CORTEX_STORE_CONNECTION_FAILED"> {
  constructor(message: string, options?: StoreErrorOptions) {
    super("CORTEX_STORE_CONNECTION_FAILED", message, options);
  }
}

/** A serialization failure (40001) or a deadlock (40P01) on every attempt. */
export class StoreSerializationError extends StoreError<"CORTEX_STORE_SERIALIZATION_FAILED"> {
  constructor(message: string, options?: StoreErrorOptions) {
    super("CORTEX_STORE_SERIALIZATION_FAILED", message, options);
  }
}

/** A migration failed and was rolled back: the schema is as it was before it. */
export class StoreMigrationError extends StoreError<"CORTEX_STORE_MIGRATION_FAILED"> {
  constructor(
    /** The version of the migration that failed. */
    readonly version: number,
    message: string,
    options?: StoreErrorOptions,
  ) {
    super("CORTEX_STORE_MIGRATION_FAILED", message, options);
  }
}

/** The store's tables are missing or older than this package needs: `migrate()` has not been run. */
export class StoreNotMigratedError extends StoreError<"CORTEX_STORE_NOT_MIGRATED"> {
  constructor(
    /** The schema version found (0 when there are no tables), and the one this package needs. */
    readonly found: number,
    readonly required: number,
    message: string,
    options?: StoreErrorOptions,
  ) {
    super("CORTEX_STORE_NOT_MIGRATED", message, options);
  }
}

/** The server refused a statement for a reason no other code describes; `sqlState` tells which. */
export class StoreQueryError extends StoreError<"CORTEX_STORE_QUERY_FAILED"> {
  constructor(message: string, options?: StoreErrorOptions) {
    super("CORTEX_STORE_QUERY_FAILED", message, options);
  }
}

/** The store was used after `close()`. */
export class StoreClosedError extends StoreError<"CORTEX_STORE_CLOSED"> {
  constructor(message = "The PostgreSQL store is closed") {
    super("CORTEX_STORE_CLOSED", message);
  }
}

/** A fenced save or claim carried a fencing token older than the run's: a newer driver holds the run. */
export class StoreFencedError extends StoreError<"CORTEX_STORE_FENCED"> {
  constructor(
    /** The run, and the token the refused call carried. */
    readonly runId: string,
    readonly fence: number,
    what: string,
  ) {
    super(
      "CORTEX_STORE_FENCED",
      `The ${what} of run "${runId}" with fencing token ${fence} was refused: a newer driver took the run`,
    );
  }
}
