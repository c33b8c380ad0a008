export { PostgresRunStore } from "./run-store.js";
export { PostgresCallJournal } from "./call-journal.js";
export type { ExpirePausedOptions } from "./run-store.js";
export type { FenceOptions } from "./fences.js";
export { PostgresSessionStore } from "./session-store.js";
export type { ListPendingOptions, PendingCheckpoint, PendingPage } from "./pending.js";
export { STORE_POSTGRES_DEFAULTS } from "./options.js";
export type { PostgresRunStoreOptions, RetryOptions } from "./options.js";
export { MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
export type { Migration } from "./migrations.js";
export type { MigrationReport } from "./migrate.js";
export {
  InvalidOptionsError,
  STORE_POSTGRES_ERRORS,
  StoreClosedError,
  StoreConnectionError,
  StoreError,
  StoreFencedError,
  StoreMigrationError,
  StoreNotMigratedError,
  StoreQueryError,
  StoreSerializationError,
} from "./errors.js";
export type { StoreErrorOptions, StorePostgresErrorCode } from "./errors.js";
