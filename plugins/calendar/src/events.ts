import { randomUUID } from "node:crypto";
import { messageOf } from "@cortex/primitives";
import ICAL from "ical.js";
import type { CalendarEvent, EventInput, EventPatch, ListResult, TimeRange } from "./backends/types.js";
import { CalendarFailure } from "./errors.js";
import { eventTimes } from "./ical/event-times.js";
import { DAY, epochMs, isoOf, parseTime, type When } from "./ical/times.js";
import { cleanText, newCalendar } from "./ical/write.js";

type Component = ICAL.Component;

/**
 * The range `list_events` covers: from `start` to `end`, where a date `end`
 * includes that whole day. Fails with `CORTEX_CALENDAR_INVALID_RANGE` when
 * start is after end.
 */
export function listRange(start: string, end: string): TimeRange {
  const from = parseTime(start, "start");
  const to = parseTime(end, "end");
  const isDate = to.kind === "date";
  const range = { start: epochMs(from), end: epochMs(to) + (isDate ? DAY * 1000 : 0) };
  // A date `end` covers that whole day: a start on that day is in order.
  if (isDate ? range.start >= range.end : range.start > range.end) {
    throw new CalendarFailure("CORTEX_CALENDAR_INVALID_RANGE", `start (${start}) must not be after end (${end})`);
  }
  return range;
}

/** Checks that start and end are of one kind and in order; returns DTSTART and the exclusive DTEND. */
function checkedTimes(start: When, endInclusive: When): { dtstart: When; dtend: When } {
  const startIsDate = start.kind === "date";
  if (startIsDate !== (endInclusive.kind === "date")) {
    throw new CalendarFailure(
      "CORTEX_CALENDAR_INVALID_RANGE",
      "start and end must both be dates (an all-day event) or both be date-times; give both when switching",
    );
  }
  const dtend = startIsDate ? { kind: "date" as const, seconds: endInclusive.seconds + DAY } : endInclusive;
  if (startIsDate ? endInclusive.seconds < start.seconds : dtend.seconds <= start.seconds) {
    throw new CalendarFailure(
      "CORTEX_CALENDAR_INVALID_RANGE",
      startIsDate
        ? `end (${isoOf(endInclusive)}) must not be before start (${isoOf(start)})`
        : `end (${isoOf(endInclusive)}) must be after start (${isoOf(start)})`,
    );
  }
  return { dtstart: start, dtend };
}

/**
 * The raw value of a component's first `name` property when it is a string:
 * for TEXT, the text itself (ical.js unescapes it while parsing). Values are
 * never decoded by ical.js here: a property declared as another type (a
 * DATE-TIME with a TZID, a DURATION) would be turned into ical.js's time
 * objects, which is what this plugin keeps away from calendar data.
 */
function rawText(component: Component, name: string): string | undefined {
  const value: unknown = component.getFirstProperty(name)?.jCal[3];
  return typeof value === "string" ? value : undefined;
}

/** The VEVENTs with this UID (a recurring series and its exceptions share one). */
export function findEvents(cal: Component, id: string): Component[] {
  return cal.getAllSubcomponents("vevent").filter((v) => rawText(v, "uid") === id);
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

const text = (vevent: Component, name: string): string | undefined => {
  const value = rawText(vevent, name);
  return value === "" ? undefined : value;
};

/** The RRULE as written, from its raw jCal value (ical.js's Recur is never built). */
function ruleText(vevent: Component): string | undefined {
  const rrule = vevent.getFirstProperty("rrule");
  if (rrule === null) return undefined;
  return String(ICAL.stringify.value(rrule.jCal[3] as never, "recur", ICAL.design.icalendar, false));
}

/** Reads a VEVENT in time linear in its size: no recurrence, zone or duration is expanded. */
function mapEvent(vevent: Component): Mapped {
  const id = rawText(vevent, "uid");
  if (id === undefined || id === "") throw new Error("VEVENT without UID");
  const times = eventTimes(vevent);
  if (times === undefined) throw new Error("VEVENT without a DTSTART date");
  const { start, end } = times;
  const shownEnd = end.kind === "date" && end.seconds > start.seconds ? { ...end, seconds: end.seconds - DAY } : end;
  const event: CalendarEvent = { id, title: text(vevent, "summary") ?? "", start: isoOf(start), end: isoOf(shownEnd) };
  const location = text(vevent, "location");
  if (location !== undefined) event.location = location;
  const description = text(vevent, "description");
  if (description !== undefined) event.description = description;
  const attendees = vevent
    .getAllProperties("attendee")
    .map((p) => String(p.jCal[3] as unknown).replace(/^mailto:/i, ""));
  if (attendees.length > 0) event.attendees = attendees;
  const recurrence = ruleText(vevent);
  if (recurrence !== undefined) event.recurrence = recurrence;
  if (times.notes.length > 0) event.note = times.notes.join("; ");
  return { event, start: epochMs(start), end: epochMs(end) };
}

/** The event of a VEVENT as plain JSON; throws `CORTEX_CALENDAR_FILE_INVALID` when it lacks UID or DTSTART. */
export function toEvent(vevent: Component): CalendarEvent {
  try {
    return mapEvent(vevent).event;
  } catch (error) {
    throw new CalendarFailure("CORTEX_CALENDAR_FILE_INVALID", `malformed VEVENT: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * What `delete_event` reports for the VEVENT it removes: the event, or for
 * one without a readable DTSTART its id and title (start and end empty),
 * so that any event with an id can be deleted.
 */
export function deletedEvent(vevent: Component, id: string): CalendarEvent {
  try {
    return mapEvent(vevent).event;
  } catch {
    return { id, title: text(vevent, "summary") ?? "", start: "", end: "", note: "DTSTART is missing or not a date" };
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

/** The jCal properties that replace every property of a name (none: the name is removed). */
type Edits = Map<string, unknown[][]>;

function setText(edits: Edits, name: string, value: string | undefined): void {
  if (value === undefined) return;
  const clean = cleanText(name === "summary" ? "title" : name, value);
  edits.set(name, clean === "" ? [] : [[name, {}, "text", clean]]);
}

// An address is written as a URI, which no escape protects: it may hold no space, line break or control.
const NOT_IN_ADDRESS = /[\s\p{Cc}]/u;

function setAttendees(edits: Edits, attendees: readonly string[] | undefined): void {
  if (attendees === undefined) return;
  const properties = attendees.map((email, i) => {
    const bad = NOT_IN_ADDRESS.exec(email);
    if (bad !== null) {
      const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      throw new CalendarFailure(
        "CORTEX_CALENDAR_INVALID_TEXT",
        `attendees[${i}] holds U+${code} at position ${bad.index}; an email address has no spaces or control characters`,
      );
    }
    return ["attendee", {}, "cal-address", `mailto:${email}`];
  });
  edits.set("attendee", properties);
}

function setTime(edits: Edits, name: string, when: When): void {
  edits.set(name, [[name, {}, when.kind === "date" ? "date" : "date-time", isoOf(when)]]);
}

function stamp(edits: Edits, name: string): void {
  setTime(edits, name, { kind: "utc", seconds: Math.floor(Date.now() / 1000) });
}

/**
 * Applies `edits` to a VEVENT's jCal in one pass over its properties (each
 * name's old properties go, its new ones are appended; ical.js removes
 * properties one splice at a time, quadratic in duplicates) and returns a
 * new ical.js wrapper of it: the one given is stale from then on.
 */
function rewrite(vevent: Component, edits: Edits): Component {
  const kept = (vevent.jCal[1] as unknown[][]).filter((property) => !edits.has(property[0] as string));
  for (const properties of edits.values()) kept.push(...properties);
  vevent.jCal[1] = kept;
  return new ICAL.Component(vevent.jCal, vevent.parent ?? undefined);
}

/** A new VEVENT (fresh UUID as UID) from validated input; checks the times and the text. */
export function newEvent(input: EventInput): Component {
  const { dtstart, dtend } = checkedTimes(parseTime(input.start, "start"), parseTime(input.end, "end"));
  const edits: Edits = new Map([["uid", [["uid", {}, "text", randomUUID()]]]]);
  stamp(edits, "dtstamp");
  stamp(edits, "created");
  setTime(edits, "dtstart", dtstart);
  setTime(edits, "dtend", dtend);
  setText(edits, "summary", input.title);
  setText(edits, "location", input.location);
  setText(edits, "description", input.description);
  setAttendees(edits, input.attendees);
  return rewrite(new ICAL.Component("vevent"), edits);
}

/**
 * Applies a patch to a VEVENT (re-checking the times and the text) and
 * bumps SEQUENCE; returns the event's new wrapper, to be used instead of
 * the one given. A changed start or end rewrites DTSTART and DTEND (a
 * DURATION is replaced); the side not given keeps its value.
 */
export function patchEvent(vevent: Component, patch: EventPatch): Component {
  const edits: Edits = new Map();
  if (patch.start !== undefined || patch.end !== undefined) {
    const current = eventTimes(vevent);
    const start = patch.start !== undefined ? parseTime(patch.start, "start") : current?.start;
    const endInclusive =
      patch.end !== undefined
        ? parseTime(patch.end, "end")
        : current &&
          (current.end.kind === "date" ? { ...current.end, seconds: current.end.seconds - DAY } : current.end);
    if (start === undefined || endInclusive === undefined) {
      throw new CalendarFailure(
        "CORTEX_CALENDAR_INVALID_RANGE",
        "the event has no readable start; give both start and end",
      );
    }
    const { dtstart, dtend } = checkedTimes(start, endInclusive);
    // The side not given keeps its property as written (its TZID too).
    if (patch.start !== undefined || !vevent.hasProperty("dtstart")) setTime(edits, "dtstart", dtstart);
    if (patch.end !== undefined || !vevent.hasProperty("dtend")) setTime(edits, "dtend", dtend);
    edits.set("duration", []);
  }
  setText(edits, "summary", patch.title);
  setText(edits, "location", patch.location);
  setText(edits, "description", patch.description);
  setAttendees(edits, patch.attendees);
  const sequence = Number(vevent.getFirstProperty("sequence")?.jCal[3] ?? 0);
  const next = Number.isSafeInteger(sequence) && sequence >= 0 ? Math.min(sequence + 1, 2 ** 31 - 1) : 0;
  edits.set("sequence", [["sequence", {}, "integer", next]]);
  stamp(edits, "dtstamp");
  stamp(edits, "last-modified");
  return rewrite(vevent, edits);
}

/**
 * Removes VEVENTs from their calendars, in one pass over each calendar's
 * components (ical.js splices them out one at a time, quadratic in a
 * series' exceptions). The calendars' ical.js wrappers are stale
 * afterwards: write their jCal (as `writeCalendars` does) or wrap it anew.
 */
export function removeEvents(vevents: readonly Component[]): void {
  const byCalendar = new Map<Component, Set<unknown>>();
  for (const vevent of vevents) {
    const parent = vevent.parent;
    if (parent === null) continue;
    let gone = byCalendar.get(parent);
    if (gone === undefined) byCalendar.set(parent, (gone = new Set()));
    gone.add(vevent.jCal);
  }
  for (const [calendar, gone] of byCalendar) {
    calendar.jCal[2] = (calendar.jCal[2] as unknown[]).filter((component) => !gone.has(component));
  }
}

/** A VCALENDAR holding one event, for a CalDAV object body. */
export function calendarOf(vevent: Component): Component {
  const cal = newCalendar();
  cal.addSubcomponent(vevent);
  return cal;
}
