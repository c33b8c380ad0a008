import { CortexError, isCortexError, type ErrorTable } from "@cortex/primitives";

/**
 * Every code this plugin uses, with what carries it: the class thrown from
 * `setup`, or `"result"` for a code that only appears on a failed
 * `PluginResult` (and in health `details.code`). `docs/errors.md` lists each
 * one under `@cortex/plugin-calendar`; a test checks the two agree.
 */
export const CALENDAR_ERRORS = {
  CORTEX_CALENDAR_CONFIG_INVALID: "CalendarConfigError",
  CORTEX_CALENDAR_NOT_READY: "result",
  CORTEX_CALENDAR_INVALID_RANGE: "result",
  CORTEX_CALENDAR_INVALID_TEXT: "result",
  CORTEX_CALENDAR_EVENT_NOT_FOUND: "result",
  CORTEX_CALENDAR_FILE_INVALID: "result",
  CORTEX_CALENDAR_TOO_COMPLEX: "result",
  CORTEX_CALENDAR_UNREACHABLE: "result",
  CORTEX_CALENDAR_UNAUTHORIZED: "result",
  CORTEX_CALENDAR_COLLECTION_NOT_FOUND: "result",
  CORTEX_CALENDAR_CONFLICT: "result",
  CORTEX_CALENDAR_SERVER_ERROR: "result",
} as const satisfies ErrorTable;

/** A code of {@link CALENDAR_ERRORS}. */
export type CalendarErrorCode = keyof typeof CALENDAR_ERRORS;

/** The codes of {@link CALENDAR_ERRORS} that only ever appear on a failure result. */
export type CalendarResultCode = {
  [C in CalendarErrorCode]: (typeof CALENDAR_ERRORS)[C] extends "result" ? C : never;
}[CalendarErrorCode];

/** Thrown by `setup` when a setting from the broker is unusable, so the registry marks the plugin failed. */
export class CalendarConfigError extends CortexError<"CORTEX_CALENDAR_CONFIG_INVALID"> {
  constructor(message: string) {
    super("CORTEX_CALENDAR_CONFIG_INVALID", message);
  }
}

/** A failure an agent can act on; thrown inside the plugin only, which answers `{ success: false, error, code }`. */
export class CalendarFailure extends CortexError<CalendarResultCode> {}

/** The failure for an id that names no event. */
export function eventNotFound(id: string): CalendarFailure {
  return new CalendarFailure(
    "CORTEX_CALENDAR_EVENT_NOT_FOUND",
    `no event with id "${id}"; list_events returns the ids of existing events`,
  );
}

/** True for an error carrying one of this plugin's codes (from either module format of this package). */
export function isCalendarFailure(value: unknown): value is CalendarFailure | CalendarConfigError {
  return isCortexError(value) && Object.hasOwn(CALENDAR_ERRORS, value.code);
}

/** True when a broker said the key has no value (`CORTEX_CREDENTIAL_MISSING`), whatever broker it was. */
export function isCredentialMissing(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as { code?: unknown }).code === "CORTEX_CREDENTIAL_MISSING"
  );
}
