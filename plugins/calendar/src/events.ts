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

const OFFSET_TAIL = /([+-]\d{2}):?(\d{2})?$/;
const LEAP_SECOND = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}):60/;

/**
 * Parses an ISO date (all-day) or date-time; a date-time with offset becomes
 * UTC, one without stays floating. Offsets may be `Z`, `±hh:mm`, `±hhmm` or
 * `±hh`; a leap second (`:60`) counts as `:59` of the same minute.
 */
export function parseTime(value: string, field: string): Time {
  let time: Time;
  const text = value.replace(LEAP_SECOND, "$1:59");
  if (DATE.test(text)) time = ICAL.Time.fromDateString(text);
  else if (HAS_OFFSET.test(text)) {
    const normalized = text.replace(
      OFFSET_TAIL,
      (_, hours: string, minutes: string | undefined) => `${hours}:${minutes ?? "00"}`,
    );
    time = ICAL.Time.fromJSDate(new Date(normalized), true);
  } else time = ICAL.Time.fromDateTimeString(text.slice(0, 19));
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
  // A date `end` covers that whole day: a start on that day is in order.
  if (to.isDate ? range.start >= range.end : range.start > range.end) {
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
 * Parses iCalendar text with ical.js into its root components: every
 * VCALENDAR of the stream (RFC 5545 allows several in one file), plus any
 * other root component, kept so that writing the file back loses nothing.
 * A leading UTF-8 byte order mark is ignored; empty text is one empty
 * calendar. TZID times resolve only against the VTIMEZONEs of their own
 * VCALENDAR (never ical.js's process-wide TimezoneService, so definitions do
 * not leak between calendars); a TZID without a VTIMEZONE stays floating.
 * Throws `CORTEX_CALENDAR_FILE_INVALID` naming `where` when the text does not
 * parse or holds no VCALENDAR.
 */
export function parseCalendars(text: string, where: string): Component[] {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (body.trim() === "") return [newCalendar()];
  let roots: Component[];
  try {
    const jcal = ICAL.parse(body) as unknown[];
    const list = typeof jcal[0] === "string" ? [jcal] : jcal;
    roots = list.map((root) => new ICAL.Component(root as never));
  } catch (error) {
    throw new CalendarError("CORTEX_CALENDAR_FILE_INVALID", `${where} is not valid iCalendar: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (!roots.some((c) => c.name === "vcalendar")) {
    throw new CalendarError("CORTEX_CALENDAR_FILE_INVALID", `${where} holds no VCALENDAR`);
  }
  return roots;
}

/** The first VCALENDAR of iCalendar text (a CalDAV object holds one); see `parseCalendars`. */
export function parseCalendar(text: string, where: string): Component {
  return parseCalendars(text, where).find((c) => c.name === "vcalendar")!;
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

/**
 * An ICAL.Event over `vevent` without ical.js's default scan of every sibling
 * VEVENT for exceptions (quadratic over a calendar); `exceptions` are the
 * RECURRENCE-ID components of the same UID, when the caller has them.
 */
function eventOf(vevent: Component, exceptions: readonly Component[] = []): InstanceType<typeof ICAL.Event> {
  return new ICAL.Event(vevent, { exceptions: [...exceptions], strictExceptions: true });
}

function mapEvent(vevent: Component, exceptions?: readonly Component[]): Mapped {
  const ev = eventOf(vevent, exceptions);
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
    const vevents = cal.getAllSubcomponents("vevent");
    // Exceptions by UID, gathered once: linear in the calendar's size.
    const exceptions = new Map<unknown, Component[]>();
    const masters: Component[] = [];
    for (const vevent of vevents) {
      if (!vevent.hasProperty("recurrence-id")) {
        masters.push(vevent);
        continue;
      }
      const uid = vevent.getFirstPropertyValue("uid");
      const same = exceptions.get(uid);
      if (same === undefined) exceptions.set(uid, [vevent]);
      else same.push(vevent);
    }
    for (const vevent of masters) {
      let mapped: Mapped;
      try {
        mapped = mapEvent(vevent, exceptions.get(vevent.getFirstPropertyValue("uid")));
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
  const ev = eventOf(vevent);
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
  const ev = eventOf(vevent);
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
