import type { createDAVClient, DAVCalendar, DAVCalendarObject } from "tsdav";
import { isCalendarFailure } from "../errors.js";
import { findEvents } from "../events.js";
import { parseCalendar } from "../ical/read.js";

export type DAVClient = Awaited<ReturnType<typeof createDAVClient>>;
export type Calendar = ReturnType<typeof parseCalendar>;
type Filters = NonNullable<Parameters<DAVClient["fetchCalendarObjects"]>[0]["filters"]>;

/** A calendar object and its parsed contents. */
export interface Found {
  object: DAVCalendarObject;
  cal: Calendar;
}

/** What a lookup by id runs on. */
export interface Lookup {
  client: DAVClient;
  calendar: DAVCalendar;
  /**
   * The fetch for the cheap requests: like the client's, but it hands a 403
   * to tsdav as a response, because a server refusing a filter answers
   * 403 (CALDAV:supported-filter), which must not read as "not authorized".
   */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  signal?: AbortSignal | undefined;
}

/** True for an object's URL, false for the collection's own. */
export const isObjectUrl = (url: string): boolean => !url.endsWith("/");

/** The file name under which this plugin stores the event `id`. */
export const objectFileName = (id: string): string => `${encodeURIComponent(id)}.ics`;

/** The iCalendar of a fetched object, or undefined when it carries none or it does not parse. */
export function parseObject(object: DAVCalendarObject): Calendar | undefined {
  if (typeof object.data !== "string") return undefined;
  try {
    return parseCalendar(object.data, `CalDAV object ${object.url}`);
  } catch {
    return undefined;
  }
}

/**
 * The object holding the VEVENT whose UID is exactly `id`, reading as
 * little as possible: first `<id>.ics`, where `create` stores events (one
 * calendar-multiget); then a calendar-query for VEVENTs whose UID contains
 * the id (for other clients' file names); the whole calendar only when the
 * server refuses that query (or the id has nothing to search for, see
 * `searchTextOf`). Every candidate is parsed and its UID compared exactly.
 * Undefined when no object holds the event.
 */
export async function findObject(lookup: Lookup, id: string): Promise<Found | undefined> {
  const { client, calendar, fetch, signal } = lookup;
  const own = await unlessRefused(signal, () =>
    client.fetchCalendarObjects({
      calendar,
      objectUrls: [new URL(objectFileName(id), withSlash(calendar.url)).href],
      urlFilter: isObjectUrl,
      fetchOptions: { signal },
      fetch,
    }),
  );
  const hit = holding(own ?? [], id);
  if (hit !== undefined) return hit;

  const text = searchTextOf(id);
  if (text !== undefined) {
    const matches = await unlessRefused(signal, () =>
      client.fetchCalendarObjects({
        calendar,
        filters: uidFilter(text),
        urlFilter: isObjectUrl,
        fetchOptions: { signal },
        fetch,
      }),
    );
    if (matches !== undefined) return holding(matches, id);
  }

  const all = await client.fetchCalendarObjects({ calendar, urlFilter: isObjectUrl, fetchOptions: { signal } });
  return holding(all, id);
}

function holding(objects: readonly DAVCalendarObject[], id: string): Found | undefined {
  for (const object of objects) {
    const cal = parseObject(object);
    if (cal !== undefined && findEvents(cal, id).length > 0) return { object, cal };
  }
  return undefined;
}

/**
 * Runs a REPORT; undefined when the server answered it with an error status
 * (tsdav throws a plain Error then: a missing object in a multiget, a
 * filter the server does not support). Aborts and the backend's own
 * failures (unreachable, 401) still throw.
 */
async function unlessRefused<T>(signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    if (isCalendarFailure(error) || signal?.aborted === true) throw error;
    if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) throw error;
    return undefined;
  }
}

// RFC 5545 escapes `\`, `,` and `;` in TEXT values, and XML cannot carry
// control characters, lone surrogates or U+FFFE/U+FFFF; servers differ on
// whether they match the escaped or the unescaped value.
const UNSAFE = /[\\,;\p{Cc}\p{Cs}\uFFFE\uFFFF]/u;

/**
 * What to search the UID for: the id's longest run without characters whose
 * matching differs between servers. text-match is a case-insensitive
 * substring match anyway, so any part of the id finds it (and maybe more,
 * which the exact comparison drops). Undefined when no such run is left.
 */
export function searchTextOf(id: string): string | undefined {
  const longest = id.split(UNSAFE).reduce((best, run) => (run.length > best.length ? run : best), "");
  return longest === "" ? undefined : longest;
}

/**
 * RFC 4791 §9.7.5: VEVENTs whose UID contains `text`. tsdav writes the XML
 * with xml-js, which escapes `&`, `<` and `>` in text nodes but first turns
 * a literal "&amp;" into "&", and escapes only the first "]]>" of a CDATA
 * node; so `text` goes out as CDATA sections split at every "]]>".
 */
export function uidFilter(text: string): Filters {
  return {
    "comp-filter": {
      _attributes: { name: "VCALENDAR" },
      "comp-filter": {
        _attributes: { name: "VEVENT" },
        "prop-filter": { _attributes: { name: "UID" }, "text-match": { _cdata: cdataSections(text) } },
      },
    },
  };
}

/** `text` as CDATA sections none of which contains "]]>": "a]]>b" becomes "a]]" and ">b". */
export function cdataSections(text: string): string[] {
  const parts = text.split("]]>");
  return parts.map((part, i) => `${i > 0 ? ">" : ""}${part}${i < parts.length - 1 ? "]]" : ""}`);
}

const withSlash = (url: string): string => (url.endsWith("/") ? url : `${url}/`);
