import { isCortexError, messageOf } from "@cortex/primitives";
import { StoreConnectionError, StoreNotMigratedError, StoreQueryError, StoreSerializationError } from "./errors.js";

/** What went wrong with a database call, and whether the same call may succeed if tried again. */
export interface Failure {
  kind: "connection" | "serialization" | "not-migrated" | "query";
  transient: boolean;
  sqlState: string | undefined;
}

// SQLSTATEs after which the same statement may succeed on a fresh connection or in a fresh transaction.
const TRANSIENT_STATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "57P01", // admin_shutdown (pg_terminate_backend, a restart)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, in recovery)
  "53300", // too_many_connections
]);
const NOT_MIGRATED_STATES = new Set(["42P01", "3F000"]); // undefined_table, invalid_schema_name
const TRANSIENT_NODE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
// pg reports a socket that closed under it, and a pool that could not connect in time, by message only.
const TRANSIENT_MESSAGE =
  /connection terminated|terminating connection|timeout exceeded when trying to connect|connection timeout|not queryable|socket hang up/i;

/** The SQLSTATE of a server error (pg's `DatabaseError`, from whichever copy of pg made it). */
function sqlStateOf(error: unknown): string | undefined {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  return typeof code === "string" && typeof severity === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function nodeCodeOf(error: unknown): string | undefined {
  const { code, errors } = (error ?? {}) as { code?: unknown; errors?: unknown };
  if (typeof code === "string") return code;
  // Node reports a refused connection to a name with several addresses as an AggregateError.
  return Array.isArray(errors) ? nodeCodeOf(errors[0]) : undefined;
}

/** Sorts an error from pg into what the store reports; only `transient` failures are retried. */
export function classify(error: unknown): Failure {
  if (isCortexError(error)) return { kind: "query", transient: false, sqlState: undefined }; // already final
  const sqlState = sqlStateOf(error);
  if (sqlState !== undefined) {
    const transient = TRANSIENT_STATES.has(sqlState) || sqlState.startsWith("08");
    if (sqlState === "40001" || sqlState === "40P01") return { kind: "serialization", transient, sqlState };
    if (transient || sqlState.startsWith("28") || sqlState === "3D000")
      return { kind: "connection", transient, sqlState }; // 28: login refused; 3D000: no such database
    if (NOT_MIGRATED_STATES.has(sqlState)) return { kind: "not-migrated", transient: false, sqlState };
    return { kind: "query", transient: false, sqlState };
  }
  const code = nodeCodeOf(error);
  if (code !== undefined && TRANSIENT_NODE_CODES.has(code)) return { kind: "connection", transient: true, sqlState };
  if (code === "ENOTFOUND") return { kind: "connection", transient: false, sqlState };
  if (TRANSIENT_MESSAGE.test(messageOf(error))) return { kind: "connection", transient: true, sqlState };
  return { kind: "query", transient: false, sqlState };
}

/** The coded error for a failure that is final (not transient, or out of attempts). Cortex errors pass through. */
export function storeErrorOf(error: unknown, attempts: number, what: string, requiredVersion: number): Error {
  if (isCortexError(error)) return error;
  const { kind, sqlState } = classify(error);
  const options = { cause: error, sqlState, attempts };
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  const reason = messageOf(error);
  switch (kind) {
    case "connection":
      return new StoreConnectionError(`PostgreSQL connection failed during ${what}${tries}: ${reason}`, options);
    case "serialization":
      return new StoreSerializationError(`PostgreSQL could not serialize ${what}${tries}: ${reason}`, options);
    case "not-migrated":
      return new StoreNotMigratedError(
        0,
        requiredVersion,
        `The store's tables are missing (${reason}); run migrate() (or \`cortex db migrate\`) first`,
        options,
      );
    case "query":
      return new StoreQueryError(`PostgreSQL refused ${what}: ${reason}`, options);
  }
}
