import type ICAL from "ical.js";
import { CALENDAR_LIMITS } from "../defaults.js";
import { DAY, clampSeconds, inRange, isoOf, readDuration, readTimeValue, type When } from "./times.js";
import { zoneOf, type Zone } from "./zones.js";

type Component = ICAL.Component;
type Property = ICAL.Property;

/** The start and end of a VEVENT, with notes on what could not be read as written. */
export interface EventTimes {
  readonly start: When;
  /** Exclusive, as in iCalendar (a date end is the day after the last day). */
  readonly end: When;
  /** Why a time is shown otherwise than written (an unusable VTIMEZONE, a clamped end); empty when none. */
  readonly notes: readonly string[];
}

interface Read {
  readonly when: When;
  /** For a time in a usable zone: its local seconds and the zone, so a DURATION can be added in local time. */
  readonly local?: { readonly seconds: number; readonly zone: Zone };
}

const YEARS = `the years ${String(CALENDAR_LIMITS.firstYear).padStart(4, "0")}–${CALENDAR_LIMITS.lastYear}`;

function clamped(when: When, what: string, notes: Set<string>): When {
  if (inRange(when.seconds)) return when;
  const shown: When = { kind: when.kind, seconds: clampSeconds(when.seconds) };
  notes.add(`${what} falls outside ${YEARS}; shown as ${isoOf(shown)}`);
  return shown;
}

/**
 * A DATE or DATE-TIME property as a time: UTC as written, a TZID resolved
 * through the VTIMEZONEs of `vcalendar` only (see `zoneOf`), floating
 * otherwise. A zone that cannot be used leaves the time floating, with a
 * note. Undefined when the value is not a date.
 */
function readTime(property: Property, vcalendar: Component | undefined, notes: Set<string>): Read | undefined {
  // The raw jCal value: decoding it with ical.js would resolve the TZID through ical.js's zones.
  const time = readTimeValue(property.jCal[3]);
  if (time === undefined) return undefined;
  if (time.isDate) return { when: { kind: "date", seconds: time.seconds } };
  if (time.utc) return { when: { kind: "utc", seconds: time.seconds } };
  const tzid = (property.jCal[1] as { tzid?: unknown }).tzid;
  const zone = typeof tzid === "string" && vcalendar !== undefined ? zoneOf(vcalendar, tzid) : undefined;
  if (zone === undefined) return { when: { kind: "floating", seconds: time.seconds } };
  const offset = zone.offsetAt(time.seconds);
  if (typeof offset === "string") {
    notes.add(
      `times in TZID ${JSON.stringify(String(tzid).slice(0, 64))} are shown as floating: its VTIMEZONE is not used (${offset})`,
    );
    return { when: { kind: "floating", seconds: time.seconds } };
  }
  const when = clamped({ kind: "utc", seconds: time.seconds - offset }, property.name.toUpperCase(), notes);
  return { when, local: { seconds: time.seconds, zone } };
}

/** The end a DURATION gives: nominal days added in local time (a date ignores the time part), then exact seconds. */
function endAfter(start: Read, days: number, seconds: number): When {
  const { when, local } = start;
  if (when.kind === "date") return { kind: "date", seconds: when.seconds + days * DAY };
  if (local === undefined) return { kind: when.kind, seconds: when.seconds + days * DAY + seconds };
  const end = local.seconds + days * DAY + seconds;
  if (!inRange(end)) return { kind: "utc", seconds: end };
  const offset = local.zone.offsetAt(end);
  return { kind: "utc", seconds: end - (typeof offset === "number" ? offset : local.seconds - when.seconds) };
}

/**
 * Reads DTSTART and the end (DTEND, else DTSTART + DURATION, else one day
 * for a date and no time for a date-time) of a VEVENT in constant time per
 * property, whatever the values say. Undefined when DTSTART is missing or
 * not a date; an unreadable DTEND or DURATION counts as absent, with a note.
 */
export function eventTimes(vevent: Component): EventTimes | undefined {
  const parent = vevent.parent;
  const vcalendar = parent?.name === "vcalendar" ? parent : undefined;
  const notes = new Set<string>();
  const dtstart = vevent.getFirstProperty("dtstart");
  const start = dtstart === null ? undefined : readTime(dtstart, vcalendar, notes);
  if (start === undefined) return undefined;
  let end: When | undefined;
  const dtend = vevent.getFirstProperty("dtend");
  const duration = vevent.getFirstProperty("duration");
  if (dtend !== null) {
    end = readTime(dtend, vcalendar, notes)?.when;
    if (end === undefined) notes.add("DTEND is not a date and is ignored");
  } else if (duration !== null) {
    const value: unknown = duration.jCal[3];
    const length = readDuration(value);
    if (length === undefined) notes.add(`DURATION ${JSON.stringify(String(value).slice(0, 40))} is not read`);
    else end = clamped(endAfter(start, length.days, length.seconds), "the end DURATION gives", notes);
  }
  end ??= start.when.kind === "date" ? { kind: "date", seconds: start.when.seconds + DAY } : start.when;
  return { start: start.when, end, notes: [...notes] };
}
