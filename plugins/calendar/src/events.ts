import { randomUUID } from "node:crypto";
import ICAL from "ical.js";
import { CalendarError, messageOf } from "./errors.js";
import type { CalendarEvent, EventInput, EventPatch, ListResult, TimeRange } from "./backends/types.js";

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

/** PRODID written into every calendar this plugin creates. */
export const PRODID = "-//Cortex//plugin-calendar//EN";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Parses an ISO date (all-day) or date-time; a date-time with offset becomes UTC, one without stays floating. */
export function parseTime(value: string, field: string): Time {
  let time: Time;
  if (DATE.test(value)) time = ICAL.Time.fromDateString(value);
  else if (HAS_OFFSET.test(value)) time = ICAL.Time.fromJSDate(new Date(value), true);
  else time = ICAL.Time.fromDateTimeString(value.slice(0, 19));
  if (Number.isNaN(time.toUnixTime())) {
    throw new CalendarError("CORTEX_CALENDAR_INVALID_RANGE", `${field} "${value}" is not an ISO date or date-time`);
  }
  return time;
}

/** Epoch milliseconds of a time; floating times and dates count as UTC. */
export function epochMs(time: Time): number {
  return time.toUnixTime() * 1000;
}

/** The ISO form the plugin returns: `YYYY-MM-DD`, UTC `…Z`, or floating without offset. */
export function isoOf(time: Time): string {
  if (time.isDate) return time.toString();
  const tzid = time.zone?.tzid;
  if (tzid === undefined || tzid === "floating") return time.toString();
  return time.convertToZone(ICAL.Timezone.utcTimezone).toString();
}

/**
 * The range `list_events` covers: from `start` to `end`, where a date `end`
 * includes that whole day. Fails with `CORTEX_CALENDAR_INVALID_RANGE` when
 * start is after end.
 */
export function listRange(start: string, end: string): TimeRange {
  const from = parseTime(start, "start");
  const to = parseTime(end, "end");
  const range = { start: epochMs(from), end: epochMs(to) + (to.isDate ? 86_400_000 : 0) };
  if (epochMs(from) > epochMs(to)) {
    throw new CalendarError("CORTEX_CALENDAR_INVALID_RANGE", `start (${start}) must not be after end (${end})`);
  }
  return range;
}

function nextDay(time: Time): Time {
  const copy = time.clone();
  copy.adjust(1, 0, 0, 0);
  return copy;
}

function previousDay(time: Time): Time {
  const copy = time.clone();
  copy.adjust(-1, 0, 0, 0);
  return copy;
}

/** Checks that start and end are of one kind and in order; returns DTSTART and the exclusive DTEND. */
function eventTimes(start: Time, endInclusive: Time): { dtstart: Time; dtend: Time } {
  if (start.isDate !== endInclusive.isDate) {
    throw new CalendarError(
      "CORTEX_CALENDAR_INVALID_RANGE",
      "start and end must both be dates (an all-day event) or both be date-times; give both when switching",
    );
  }
  const dtend = start.isDate ? nextDay(endInclusive) : endInclusive;
  if (start.isDate ? epochMs(endInclusive) < epochMs(start) : epochMs(dtend) <= epochMs(start)) {
    throw new CalendarError(
      "CORTEX_CALENDAR_INVALID_RANGE",
      start.isDate
        ? `end (${isoOf(endInclusive)}) must not be before start (${isoOf(start)})`
        : `end (${isoOf(endInclusive)}) must be after start (${isoOf(start)})`,
    );
  }
  return { dtstart: start, dtend };
}

/** A new, empty VCALENDAR (VERSION 2.0, this plugin's PRODID). */
export function newCalendar(): Component {
  const cal = new ICAL.Component(["vcalendar", [], []]);
  cal.addPropertyWithValue("prodid", PRODID);
  cal.addPropertyWithValue("version", "2.0");
  cal.addPropertyWithValue("calscale", "GREGORIAN");
  return cal;
}

/**
 * Parses iCalendar text with ical.js into its VCALENDAR and registers the
 * VTIMEZONEs it carries, so TZID times convert to UTC. Empty text is an
 * empty calendar. Throws `CORTEX_CALENDAR_FILE_INVALID` naming `where`.
 */
export function parseCalendar(text: string, where: string): Component {
  if (text.trim() === "") return newCalendar();
  let cal: Component | undefined;
  try {
    const jcal = ICAL.parse(text) as unknown[];
    const roots = typeof jcal[0] === "string" ? [jcal] : jcal;
    cal = roots.map((root) => new ICAL.Component(root as never)).find((c) => c.name === "vcalendar");
  } catch (error) {
    throw new CalendarError("CORTEX_CALENDAR_FILE_INVALID", `${where} is not valid iCalendar: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (cal === undefined) throw new CalendarError("CORTEX_CALENDAR_FILE_INVALID", `${where} holds no VCALENDAR`);
  for (const tz of cal.getAllSubcomponents("vtimezone")) {
    try {
      ICAL.TimezoneService.register(tz);
    } catch {
      // A broken VTIMEZONE only means its times stay floating.
    }
  }
  return cal;
}

/** The VEVENTs with this UID (a recurring series and its exceptions share one). */
export function findEvents(cal: Component, id: string): Component[] {
  return cal.getAllSubcomponents("vevent").filter((v) => v.getFirstPropertyValue("uid") === id);
}

/** The master VEVENT of `id`: the one without RECURRENCE-ID (or the first). */
export function masterOf(components: readonly Component[]): Component | undefined {
  return components.find((c) => !c.hasProperty("recurrence-id")) ?? components[0];
}

interface Mapped {
  event: CalendarEvent;
  start: number;
  end: number;
}

function mapEvent(vevent: Component): Mapped {
  const ev = new ICAL.Event(vevent);
  const id = ev.uid;
  if (!id) throw new Error("VEVENT without UID");
  const start = ev.startDate;
  const end = ev.endDate;
  const shownEnd = end.isDate && epochMs(end) > epochMs(start) ? previousDay(end) : end;
  const event: CalendarEvent = { id, title: ev.summary ?? "", start: isoOf(start), end: isoOf(shownEnd) };
  if (ev.location) event.location = ev.location;
  if (ev.description) event.description = ev.description;
  const attendees = ev.attendees.map((p) => String(p.getFirstValue()).replace(/^mailto:/i, ""));
  if (attendees.length > 0) event.attendees = attendees;
  const rrule = vevent.getFirstPropertyValue("rrule");
  if (rrule) event.recurrence = String(rrule);
  return { event, start: epochMs(start), end: epochMs(end) };
}

/** The event of a VEVENT as plain JSON; throws `CORTEX_CALENDAR_FILE_INVALID` when it lacks UID or DTSTART. */
export function toEvent(vevent: Component): CalendarEvent {
  try {
    return mapEvent(vevent).event;
  } catch (error) {
    throw new CalendarError("CORTEX_CALENDAR_FILE_INVALID", `malformed VEVENT: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * Events of one or more calendars overlapping `range`, sorted by start.
 * Recurring events are not expanded: a series is listed once, by its first
 * occurrence. Exceptions (RECURRENCE-ID) are left out; malformed VEVENTs
 * are counted in `skipped`.
 */
export function eventsIn(calendars: readonly Component[], range: TimeRange): ListResult {
  const found: Mapped[] = [];
  let skipped = 0;
  for (const cal of calendars) {
    for (const vevent of cal.getAllSubcomponents("vevent")) {
      if (vevent.hasProperty("recurrence-id")) continue;
      let mapped: Mapped;
      try {
        mapped = mapEvent(vevent);
      } catch {
        skipped += 1;
        continue;
      }
      const overlaps =
        mapped.end > mapped.start
          ? mapped.start < range.end && mapped.end > range.start
          : mapped.start >= range.start && mapped.start < Math.max(range.end, range.start + 1);
      if (overlaps) found.push(mapped);
    }
  }
  found.sort((a, b) => a.start - b.start || a.event.id.localeCompare(b.event.id));
  return { events: found.map((m) => m.event), skipped };
}

function setText(vevent: Component, name: string, value: string | undefined): void {
  if (value === undefined) return;
  vevent.removeAllProperties(name);
  if (value !== "") vevent.addPropertyWithValue(name, value);
}

function setAttendees(vevent: Component, attendees: readonly string[] | undefined): void {
  if (attendees === undefined) return;
  vevent.removeAllProperties("attendee");
  for (const email of attendees) vevent.addPropertyWithValue("attendee", `mailto:${email}`);
}

function stamp(vevent: Component, name: string): void {
  vevent.updatePropertyWithValue(name, ICAL.Time.fromJSDate(new Date(), true));
}

/** A new VEVENT (fresh UUID as UID) from validated input; checks the times. */
export function newEvent(input: EventInput): Component {
  const { dtstart, dtend } = eventTimes(parseTime(input.start, "start"), parseTime(input.end, "end"));
  const vevent = new ICAL.Component("vevent");
  vevent.addPropertyWithValue("uid", randomUUID());
  stamp(vevent, "dtstamp");
  stamp(vevent, "created");
  const ev = new ICAL.Event(vevent);
  ev.startDate = dtstart;
  ev.endDate = dtend;
  ev.summary = input.title;
  setText(vevent, "location", input.location);
  setText(vevent, "description", input.description);
  setAttendees(vevent, input.attendees);
  return vevent;
}

/** Applies a patch to a VEVENT in place (re-checking the times) and bumps SEQUENCE. */
export function patchEvent(vevent: Component, patch: EventPatch): void {
  const ev = new ICAL.Event(vevent);
  if (patch.start !== undefined || patch.end !== undefined) {
    const start = patch.start !== undefined ? parseTime(patch.start, "start") : ev.startDate;
    const endInclusive =
      patch.end !== undefined ? parseTime(patch.end, "end") : ev.endDate.isDate ? previousDay(ev.endDate) : ev.endDate;
    const { dtstart, dtend } = eventTimes(start, endInclusive);
    ev.startDate = dtstart;
    ev.endDate = dtend;
  }
  if (patch.title !== undefined) ev.summary = patch.title;
  setText(vevent, "location", patch.location);
  setText(vevent, "description", patch.description);
  setAttendees(vevent, patch.attendees);
  vevent.updatePropertyWithValue("sequence", (ev.sequence || 0) + 1);
  stamp(vevent, "dtstamp");
  stamp(vevent, "last-modified");
}

/** A VCALENDAR holding one event, for a CalDAV object body. */
export function calendarOf(vevent: Component): Component {
  const cal = newCalendar();
  cal.addSubcomponent(vevent);
  return cal;
}
