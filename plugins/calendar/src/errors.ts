import { CortexError, isCortexError } from "@cortex/plugins";

/**
 * Every code this plugin puts on a failed `PluginResult` (or on an error
 * thrown from `setup`). Closed: `docs/errors.md` lists each one under
 * `@cortex/plugin-calendar`, and a test fails when one is missing.
 */
export const CALENDAR_ERROR_CODES = [
  "CORTEX_CALENDAR_CONFIG_INVALID",
  "CORTEX_CALENDAR_NOT_READY",
  "CORTEX_CALENDAR_UNKNOWN_ACTION",
  "CORTEX_CALENDAR_INVALID_RANGE",
  "CORTEX_CALENDAR_EVENT_NOT_FOUND",
  "CORTEX_CALENDAR_FILE_INVALID",
  "CORTEX_CALENDAR_UNREACHABLE",
  "CORTEX_CALENDAR_UNAUTHORIZED",
  "CORTEX_CALENDAR_COLLECTION_NOT_FOUND",
  "CORTEX_CALENDAR_CONFLICT",
  "CORTEX_CALENDAR_SERVER_ERROR",
] as const;

/** A code from {@link CALENDAR_ERROR_CODES}. */
export type CalendarErrorCode = (typeof CALENDAR_ERROR_CODES)[number];

/**
 * An error the calendar plugin raises on purpose: a `CortexError` of
 * `@cortex/plugins`, so `isCortexError` recognises it; match on `code`. The
 * plugin turns these into `{ success: false, error, code }`.
 */
export class CalendarError extends CortexError<CalendarErrorCode> {
  constructor(code: CalendarErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "CalendarError";
  }
}

/** The failure for an id that names no event. */
export function eventNotFound(id: string): CalendarError {
  return new CalendarError(
    "CORTEX_CALENDAR_EVENT_NOT_FOUND",
    `no event with id "${id}"; list_events returns the ids of existing events`,
  );
}

/** True for a {@link CalendarError} (from either module format of this package). */
export function isCalendarError(value: unknown): value is CalendarError {
  return isCortexError(value) && (CALENDAR_ERROR_CODES as readonly string[]).includes(value.code);
}

/** True when a broker said the key has no value (`CORTEX_CREDENTIAL_MISSING`), whatever broker it was. */
export function isCredentialMissing(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as { code?: unknown }).code === "CORTEX_CREDENTIAL_MISSING"
  );
}

/** A human-readable message for anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
