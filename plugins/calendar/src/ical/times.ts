import { CALENDAR_LIMITS } from "../defaults.js";
import { CalendarFailure } from "../errors.js";

// Every date computation on calendar data is plain arithmetic on day and
// second counts: constant time whatever the dates or durations say (ical.js's
// Time.adjust walks month by month, so a huge DURATION costs minutes).

/** Seconds in a day. */
export const DAY = 86_400;

/** Days from 1970-01-01 to the given proleptic Gregorian date (any year). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The date of a day count from {@link daysFromCivil}: `[year, month, day]`. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Days in a month of a year. */
export function daysInMonth(year: number, month: number): number {
  return daysFromCivil(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1);
}

/** Day of the week of a day count, 0 = Sunday. */
export function weekdayOf(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** The earliest and latest second the plugin represents (the years of {@link CALENDAR_LIMITS}). */
export const MIN_SECONDS = daysFromCivil(CALENDAR_LIMITS.firstYear, 1, 1) * DAY;
export const MAX_SECONDS = (daysFromCivil(CALENDAR_LIMITS.lastYear, 12, 31) + 1) * DAY - 1;

/**
 * A time as iCalendar holds it: an all-day date, an instant in UTC, or a
 * floating local time (read as if it were UTC). `seconds` count from
 * 1970-01-01T00:00:00 (for a date: its midnight).
 */
export interface When {
  readonly kind: "date" | "utc" | "floating";
  readonly seconds: number;
}

/** Epoch milliseconds of a time; floating times and dates count as UTC. */
export function epochMs(when: When): number {
  return when.seconds * 1000;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** The ISO form the plugin returns: `YYYY-MM-DD`, UTC `…Z`, or floating without offset. */
export function isoOf(when: When): string {
  const days = Math.floor(when.seconds / DAY);
  const [y, m, d] = civilFromDays(days);
  const date = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
  if (when.kind === "date") return date;
  const s = when.seconds - days * DAY;
  const time = `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
  return `${date}T${time}${when.kind === "utc" ? "Z" : ""}`;
}

/** True for a second within the years the plugin represents (false for NaN). */
export function inRange(seconds: number): boolean {
  return seconds >= MIN_SECONDS && seconds <= MAX_SECONDS;
}

/** `seconds` clamped to the years the plugin represents. */
export function clampSeconds(seconds: number): number {
  return Math.min(MAX_SECONDS, Math.max(MIN_SECONDS, seconds));
}

// ISO 8601 as the schemas accept it: a date, or a date-time with `Z`, `±hh:mm`,
// `±hhmm` or `±hh` (fractions of a second are dropped).
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Seconds of a local date and time, or undefined when a field is out of range. A leap second counts as `:59`. */
export function localSeconds(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return undefined;
  return daysFromCivil(y, mo, d) * DAY + h * 3600 + mi * 60 + Math.min(s, 59);
}

/**
 * Parses an ISO date (all-day) or date-time given to an action; a date-time
 * with an offset becomes UTC, one without stays floating. Fails with
 * `CORTEX_CALENDAR_INVALID_RANGE` for anything else, and for a time outside
 * the years 0000–9999 once its offset is applied.
 */
export function parseTime(value: string, field: string): When {
  const m = ISO.exec(value);
  const invalid = (): CalendarFailure =>
    new CalendarFailure("CORTEX_CALENDAR_INVALID_RANGE", `${field} "${value}" is not an ISO date or date-time`);
  if (m === null) throw invalid();
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)));
  const local = localSeconds(y!, mo!, d!, h, mi, s);
  if (local === undefined) throw invalid();
  if (h === undefined) return { kind: "date", seconds: local };
  const zone = m[7];
  if (zone === undefined) return { kind: "floating", seconds: local };
  let offset = 0;
  if (zone !== "Z" && zone !== "z") {
    const hours = Number(zone.slice(1, 3));
    const minutes = Number(zone.replace(":", "").slice(3, 5) || "0");
    if (hours > 23 || minutes > 59) throw invalid();
    offset = (zone.startsWith("-") ? -1 : 1) * (hours * 3600 + minutes * 60);
  }
  const seconds = local - offset;
  if (!inRange(seconds)) {
    throw new CalendarFailure(
      "CORTEX_CALENDAR_INVALID_RANGE",
      `${field} "${value}" is outside the years ${String(CALENDAR_LIMITS.firstYear).padStart(4, "0")}–${CALENDAR_LIMITS.lastYear}`,
    );
  }
  return { kind: "utc", seconds };
}

// A DATE or DATE-TIME as jCal holds it (`2026-06-10`, `2026-06-10T09:00:00Z`);
// the basic form is accepted too.
const VALUE = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})(Z)?)?$/;

/** A DATE or DATE-TIME value read from iCalendar: its local seconds, whether it is a date, and whether it is UTC. */
export interface TimeValue {
  readonly seconds: number;
  readonly isDate: boolean;
  readonly utc: boolean;
}

/** Reads a DATE or DATE-TIME value; undefined when it is neither or names no real date. */
export function readTimeValue(value: unknown): TimeValue | undefined {
  if (typeof value !== "string") return undefined;
  const m = VALUE.exec(value);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)));
  const seconds = localSeconds(y!, mo!, d!, h, mi, s);
  if (seconds === undefined) return undefined;
  return { seconds, isDate: h === undefined, utc: m[7] === "Z" };
}

// RFC 5545 dur-value; weeks together with days are accepted, as some programs write them.
const DURATION = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** A DURATION value: nominal days (weeks count 7) and exact seconds, each signed; undefined when malformed. */
export function readDuration(value: unknown): { days: number; seconds: number } | undefined {
  if (typeof value !== "string") return undefined;
  const m = DURATION.exec(value);
  if (m === null || value.endsWith("P") || value.endsWith("T")) return undefined;
  const [weeks, days, hours, minutes, seconds] = m.slice(2).map((part) => Number(part ?? 0));
  const sign = m[1] === "-" ? -1 : 1;
  // Huge digit strings become huge numbers (or Infinity): the result is clamped by the caller, never walked.
  return {
    days: sign * (weeks! * 7 + days!),
    seconds: sign * (hours! * 3600 + minutes! * 60 + seconds!),
  };
}
