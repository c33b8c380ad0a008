/**
 * An event as the plugin returns it: plain JSON. Dates (`YYYY-MM-DD`) mark
 * an all-day event whose `end` is the last day (inclusive); date-times are
 * ISO 8601 in UTC (`…Z`), or without offset for floating times found in a
 * calendar written by another program.
 */
export interface CalendarEvent {
  /** The event's iCalendar UID. */
  id: string;
  title: string;
  start: string;
  end: string;
  location?: string;
  description?: string;
  /** Attendee email addresses. */
  attendees?: string[];
  /** The RRULE of a recurring event (occurrences are not expanded; start/end are the first one). */
  recurrence?: string;
  /**
   * Why a time is shown otherwise than the calendar writes it: a VTIMEZONE
   * the plugin does not use (its times are shown as floating), or an end
   * past the year 9999 (clamped).
   */
  note?: string;
}

/** Fields of a new event, as validated by the `create_event` schema. */
export interface EventInput {
  title: string;
  start: string;
  end: string;
  location?: string;
  description?: string;
  attendees?: string[];
}

/** Fields to change on an event; an empty string (or `[]`) clears an optional field. */
export type EventPatch = Partial<EventInput>;

/** A listing range in epoch milliseconds, `end` exclusive. */
export interface TimeRange {
  start: number;
  end: number;
}

/** What `list` found. */
export interface ListResult {
  events: CalendarEvent[];
  /** Events that could not be read (malformed components) and were left out. */
  skipped: number;
}

/** A calendar store. Methods throw `CalendarError` for failures an agent can act on. */
export interface CalendarBackend {
  /** `"ics"` or `"caldav"`. */
  readonly kind: "ics" | "caldav";
  /** Events overlapping `range`, sorted by start. */
  list(range: TimeRange, signal?: AbortSignal): Promise<ListResult>;
  create(input: EventInput, signal?: AbortSignal): Promise<CalendarEvent>;
  update(id: string, patch: EventPatch, signal?: AbortSignal): Promise<CalendarEvent>;
  /** The event as it is now (for a recurring one: its first occurrence), changing nothing. */
  get(id: string, signal?: AbortSignal): Promise<CalendarEvent>;
  /** Removes the event (for a recurring one: the whole series) and returns it as it was. */
  delete(id: string, signal?: AbortSignal): Promise<CalendarEvent>;
  /** Resolves to health details when the store is reachable and usable; throws `CalendarError` otherwise. */
  check(signal?: AbortSignal): Promise<Record<string, unknown>>;
  /** Releases what the backend holds. */
  close(): Promise<void>;
}
