import { checkTimeLimit, messageOf, withDeadline } from "@cortex/primitives";
import { createDAVClient, type DAVCalendar, type DAVCalendarObject } from "tsdav";
import { CALENDAR_DEFAULTS } from "../defaults.js";
import { CalendarFailure, eventNotFound, isCalendarFailure } from "../errors.js";
import { calendarOf, deletedEvent, eventsIn, findEvents, masterOf, newEvent, patchEvent, toEvent } from "../events.js";
import { writeCalendars } from "../ical/write.js";
import {
  findObject,
  isObjectUrl,
  objectFileName,
  parseObject,
  type Calendar,
  type DAVClient,
  type Found,
} from "./caldav-find.js";
import type { CalendarBackend, CalendarEvent, EventInput, EventPatch, ListResult, TimeRange } from "./types.js";

/** Where and as whom the CalDAV backend connects; read from the broker in `setup`. */
export interface CaldavConfig {
  /** Server URL (`calendar_caldav_url`); discovery starts there. */
  url: string;
  username: string;
  password: string;
  /** Display name or URL of the calendar (`calendar_caldav_calendar`); default: the first calendar with events. */
  calendar?: string;
  /** Limit of each HTTP request without a caller signal (default `CALENDAR_DEFAULTS.requestTimeoutMs`; `Infinity`: none). */
  requestTimeoutMs?: number;
}

interface Connection {
  client: DAVClient;
  calendar: DAVCalendar;
}

const displayNameOf = (c: DAVCalendar): string => (typeof c.displayName === "string" ? c.displayName : "");
const withSlash = (url: string): string => (url.endsWith("/") ? url : `${url}/`);

/**
 * A calendar on a CalDAV server, through tsdav. Connects lazily (discovery,
 * then the calendar list) on the first action or health check and again
 * after a connection or authorization failure, so `setup` never needs the
 * server and a server that comes back is picked up. Event ids are UIDs;
 * events created here are stored as `<uid>.ics`, where `update` and
 * `delete` look first (see `findObject`).
 */
export class CaldavBackend implements CalendarBackend {
  readonly kind = "caldav";
  readonly #config: CaldavConfig;
  #connection: Promise<Connection> | undefined;
  /** The signal of the caller whose action started `#connection`. */
  #connectSignal: AbortSignal | undefined;

  readonly #timeoutMs: number;

  /** Throws `CORTEX_INVALID_OPTIONS` for a `requestTimeoutMs` that is not a time limit. */
  constructor(config: CaldavConfig) {
    this.#config = config;
    this.#timeoutMs = checkTimeLimit(
      "CaldavBackend",
      "requestTimeoutMs",
      config.requestTimeoutMs ?? CALENDAR_DEFAULTS.requestTimeoutMs,
    );
  }

  list(range: TimeRange, signal?: AbortSignal): Promise<ListResult> {
    return this.#op(signal, async ({ client, calendar }) => {
      // The server narrows the set; the shared filter decides, so both backends agree.
      const objects = await client.fetchCalendarObjects({
        calendar,
        timeRange: {
          start: new Date(range.start).toISOString(),
          end: new Date(Math.max(range.end, range.start + 1000)).toISOString(),
        },
        urlFilter: isObjectUrl,
        fetchOptions: { signal },
      });
      const { calendars, skipped } = this.#parseAll(objects);
      const result = eventsIn(calendars, range);
      return { events: result.events, skipped: result.skipped + skipped };
    });
  }

  create(input: EventInput, signal?: AbortSignal): Promise<CalendarEvent> {
    const vevent = newEvent(input);
    const event = toEvent(vevent);
    return this.#op(signal, async ({ client, calendar }) => {
      const response = await client.createCalendarObject({
        calendar,
        filename: objectFileName(event.id),
        iCalString: writeCalendars([calendarOf(vevent)]),
        fetchOptions: { signal },
      });
      this.#expectOk(response, "create the event");
      return event;
    });
  }

  get(id: string, signal?: AbortSignal): Promise<CalendarEvent> {
    return this.#op(signal, async (conn) => {
      const { cal } = await this.#find(conn, id, signal);
      const master = masterOf(findEvents(cal, id));
      if (master === undefined) throw eventNotFound(id);
      return toEvent(master);
    });
  }

  update(id: string, patch: EventPatch, signal?: AbortSignal): Promise<CalendarEvent> {
    return this.#op(signal, async (conn) => {
      const { object, cal } = await this.#find(conn, id, signal);
      const master = masterOf(findEvents(cal, id));
      if (master === undefined) throw eventNotFound(id);
      const updated = patchEvent(master, patch);
      const response = await conn.client.updateCalendarObject({
        calendarObject: { url: object.url, etag: object.etag, data: writeCalendars([cal]) },
        fetchOptions: { signal },
      });
      this.#expectOk(response, `update event "${id}"`);
      return toEvent(updated);
    });
  }

  delete(id: string, signal?: AbortSignal): Promise<CalendarEvent> {
    return this.#op(signal, async (conn) => {
      const { object, cal } = await this.#find(conn, id, signal);
      const master = masterOf(findEvents(cal, id));
      if (master === undefined) throw eventNotFound(id);
      const event = deletedEvent(master, id);
      const response = await conn.client.deleteCalendarObject({
        calendarObject: { url: object.url, etag: object.etag },
        fetchOptions: { signal },
      });
      this.#expectOk(response, `delete event "${id}"`);
      return event;
    });
  }

  check(signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.#op(signal, async ({ client, calendar }) => {
      const [response] = await client.propfind({
        url: calendar.url,
        props: { "d:displayname": {} },
        depth: "0",
        fetchOptions: { signal },
      });
      if (response !== undefined && !response.ok) {
        throw new CalendarFailure(
          "CORTEX_CALENDAR_SERVER_ERROR",
          `calendar ${calendar.url} answered HTTP ${response.status}`,
        );
      }
      return {
        backend: this.kind,
        server: this.#config.url,
        calendar: displayNameOf(calendar),
        calendarUrl: calendar.url,
      };
    });
  }

  close(): Promise<void> {
    this.#connection = undefined;
    return Promise.resolve();
  }

  /**
   * Runs `task` on a live connection; turns every failure into a CalendarError
   * without the password. The caller's `signal` also cancels the connection
   * setup it starts or waits for; a setup another caller cancelled is retried.
   */
  async #op<T>(signal: AbortSignal | undefined, task: (conn: Connection) => Promise<T>): Promise<T> {
    try {
      return await task(await this.#connected(signal));
    } catch (error) {
      const broken =
        !isCalendarFailure(error) ||
        error.code === "CORTEX_CALENDAR_UNREACHABLE" ||
        error.code === "CORTEX_CALENDAR_UNAUTHORIZED";
      // The caller's own abort says nothing about the connection.
      if (broken && !signal?.aborted) {
        this.#connection = undefined;
      }
      if (isCalendarFailure(error)) throw error;
      if (
        signal?.aborted ||
        (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError"))
      ) {
        throw error;
      }
      throw new CalendarFailure(
        "CORTEX_CALENDAR_SERVER_ERROR",
        `CalDAV request failed: ${this.#scrub(messageOf(error))}`,
      );
    }
  }

  /** The shared connection, made (or remade, after another caller cancelled it) with `signal`. */
  async #connected(signal: AbortSignal | undefined): Promise<Connection> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.#connection === undefined) {
        this.#connection = this.#connect(signal);
        this.#connectSignal = signal;
      }
      const pending = this.#connection;
      const starter = this.#connectSignal;
      try {
        return await (signal === undefined ? pending : withDeadline(pending, { signal, abortError: (r) => r }));
      } catch (error) {
        // Our own abort while another caller's setup goes on leaves that setup alone.
        if (signal?.aborted && starter !== signal) throw error;
        if (this.#connection === pending) this.#connection = undefined;
        // A setup cancelled by the caller that started it is retried by the others.
        if (signal?.aborted || !starter?.aborted) throw error;
      }
    }
  }

  /**
   * Discovery and the calendar list. Each of its requests ends at the
   * caller's `signal` or the request timeout, whichever comes first.
   */
  async #connect(signal?: AbortSignal): Promise<Connection> {
    const { url, username, password } = this.#config;
    let setup = true;
    const requestFetch = this.#fetch;
    const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      if (!setup || signal === undefined || init?.signal) return requestFetch(input, init);
      return withDeadline((deadline) => requestFetch(input, { ...init, signal: deadline }, signal), {
        timeoutMs: this.#timeoutMs,
        signal,
        abortError: (reason) => reason,
        timeoutError: (ms) => this.#unreachable(`no answer within ${ms} ms`),
      });
    };
    const client = await createDAVClient({
      serverUrl: url,
      credentials: { username, password },
      authMethod: "Basic",
      defaultAccountType: "caldav",
      fetch,
    });
    const calendars = (await client.fetchCalendars()).filter((c) => !c.components || c.components.includes("VEVENT"));
    setup = false;
    const wanted = this.#config.calendar;
    const calendar =
      wanted === undefined
        ? calendars[0]
        : calendars.find(
            (c) => displayNameOf(c) === wanted || withSlash(c.url) === withSlash(new URL(wanted, url).href),
          );
    if (calendar === undefined) {
      const names = calendars.map((c) => displayNameOf(c) || c.url).join(", ") || "none";
      throw new CalendarFailure(
        "CORTEX_CALENDAR_COLLECTION_NOT_FOUND",
        wanted === undefined
          ? `user "${username}" has no calendar for events on ${url}; create one or set calendar_caldav_calendar`
          : `no calendar "${wanted}" for user "${username}" on ${url} (calendars: ${names})`,
      );
    }
    return { client, calendar };
  }

  // tsdav reports network failures and 401s inconsistently; classifying them
  // at the fetch layer gives one clear, password-free error per cause.
  readonly #fetch = this.#fetcher(true);
  // For the lookups by id: a 403 there may be a refused filter (see findObject).
  readonly #lookupFetch = this.#fetcher(false);

  /**
   * A fetch that classifies failures. `callerSignal` is the caller's own
   * signal when `init.signal` combines it with a timeout: only the caller's
   * abort is passed through as such, a timeout counts as unreachable.
   */
  #fetcher(
    forbiddenIsUnauthorized: boolean,
  ): (input: string | URL | Request, init?: RequestInit, callerSignal?: AbortSignal) => Promise<Response> {
    return async (input: string | URL | Request, init?: RequestInit, callerSignal?: AbortSignal): Promise<Response> => {
      let response: Response;
      try {
        response = init?.signal
          ? await fetch(input, init)
          : await withDeadline((signal) => fetch(input, { ...init, signal }), { timeoutMs: this.#timeoutMs });
      } catch (error) {
        if ((callerSignal ?? init?.signal)?.aborted) throw error;
        throw this.#unreachable(this.#scrub(causeOf(error)), error);
      }
      if (response.status === 401 || (forbiddenIsUnauthorized && response.status === 403)) {
        throw new CalendarFailure(
          "CORTEX_CALENDAR_UNAUTHORIZED",
          `not authorized: the CalDAV server at ${this.#config.url} rejected user "${this.#config.username}" ` +
            `(HTTP ${response.status}); check calendar_caldav_username and calendar_caldav_password`,
        );
      }
      return response;
    };
  }

  #unreachable(why: string, cause?: unknown): CalendarFailure {
    return new CalendarFailure(
      "CORTEX_CALENDAR_UNREACHABLE",
      `cannot reach the CalDAV server at ${this.#config.url}: ${why}`,
      {
        cause,
      },
    );
  }

  async #find(conn: Connection, id: string, signal?: AbortSignal): Promise<Found> {
    const found = await findObject({ ...conn, fetch: this.#lookupFetch, signal }, id);
    if (found === undefined) throw eventNotFound(id);
    return found;
  }

  #parseAll(objects: readonly DAVCalendarObject[]): { calendars: Calendar[]; skipped: number } {
    const calendars: Calendar[] = [];
    for (const object of objects) {
      const cal = parseObject(object);
      if (cal !== undefined) calendars.push(cal);
    }
    return { calendars, skipped: objects.length - calendars.length };
  }

  #expectOk(response: Response, doing: string): void {
    if (response.ok) return;
    if (response.status === 412) {
      throw new CalendarFailure(
        "CORTEX_CALENDAR_CONFLICT",
        `could not ${doing}: it changed on the server meanwhile (HTTP 412); list it again and retry`,
      );
    }
    throw new CalendarFailure(
      "CORTEX_CALENDAR_SERVER_ERROR",
      `the CalDAV server refused to ${doing} (HTTP ${response.status} ${response.statusText})`,
    );
  }

  #scrub(text: string): string {
    const { password } = this.#config;
    return password === "" ? text : text.split(password).join("[REDACTED]");
  }
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return messageOf(error);
}
