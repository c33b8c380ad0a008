import { createPluginHarness, type PluginHarness } from "@cortex/testing";
import { createDAVClient, type DAVCalendar } from "tsdav";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { cdataSections, searchTextOf } from "../src/backends/caldav-find.js";
import { CalendarPlugin, type CalendarEvent } from "../src/index.js";
import { hasRadicale, RADICALE_START_MS, startRadicale, type RadicaleServer } from "./support/radicale.js";

/** One HTTP exchange as the backend made it (it calls the global fetch). */
interface Exchange {
  method: string;
  url: string;
  body: string;
  headers: Headers;
  status: number;
  response: string;
}

/**
 * Records every fetch until `stop()`; `answer` may reply in the server's
 * place (to play a server that refuses a request).
 */
function recordFetch(answer?: (request: Exchange) => Response | undefined): { log: Exchange[]; stop(): void } {
  const original = globalThis.fetch;
  const log: Exchange[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request: Exchange = {
      method: init?.method ?? "GET",
      url: input instanceof Request ? input.url : String(input),
      body: typeof init?.body === "string" ? init.body : "",
      headers: new Headers(init?.headers),
      status: 0,
      response: "",
    };
    const response = answer?.(request) ?? (await original(input, init));
    log.push({ ...request, status: response.status, response: await response.clone().text() });
    return response;
  });
  return { log, stop: () => spy.mockRestore() };
}

const reports = (log: readonly Exchange[]): Exchange[] => log.filter((e) => e.method === "REPORT");
/** calendar-query REPORTs without a UID filter: reads of the whole calendar. */
const fullScans = (log: readonly Exchange[]): Exchange[] =>
  reports(log).filter((e) => e.body.includes("calendar-query") && !e.body.includes("prop-filter"));
/** The UIDs of every event the server sent. */
const uidsRead = (log: readonly Exchange[]): string[] =>
  log.flatMap((e) => [...e.response.matchAll(/^UID:(.*?)\r?$/gm)].map((m) => m[1]!));
const etagIn = (xml: string): string | undefined => /getetag>([^<]+)</.exec(xml)?.[1]?.replaceAll("&quot;", '"');

function ics(uid: string, summary: string): string {
  const text = (value: string): string => value.replace(/[\\;,]/g, (c) => `\\${c}`);
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//test//lookup//EN",
    "BEGIN:VEVENT",
    `UID:${text(uid)}`,
    "DTSTAMP:20260101T000000Z",
    "DTSTART:20260610T090000Z",
    "DTEND:20260610T100000Z",
    `SUMMARY:${text(summary)}`,
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

describe("the UID query's search text", () => {
  it("is the id's longest run without characters servers match differently (\\ , ; controls)", () => {
    expect(searchTextOf("040000008200E00074C5B7101A82E008@example.com")).toBe(
      "040000008200E00074C5B7101A82E008@example.com",
    );
    expect(searchTextOf("ab,cdef;g\\hi")).toBe("cdef");
    expect(searchTextOf("tab\there\u0000and-more")).toBe("and-more");
    expect(searchTextOf("R&D <x> ]]>")).toBe("R&D <x> ]]>");
    expect(searchTextOf(",;\\")).toBeUndefined();
  });

  it("goes out as CDATA sections none of which contains ]]>, and which concatenate to the text", () => {
    for (const text of ["plain", "a]]>b", "]]>", "x]]>]]>y]]", "]]]>>"]) {
      const sections = cdataSections(text);
      expect(sections.join("")).toBe(text);
      for (const section of sections) expect(section).not.toContain("]]>");
    }
    expect(cdataSections("a]]>b]]>c")).toEqual(["a]]", ">b]]", ">c"]);
  });
});

describe.skipIf(!hasRadicale)("CalDAV lookup by id (needs Debian package radicale)", () => {
  let server: RadicaleServer;
  let client: Awaited<ReturnType<typeof createDAVClient>>;
  let home: DAVCalendar;
  let current: PluginHarness<CalendarPlugin> | undefined;
  let recording: { stop(): void } | undefined;

  beforeAll(async () => {
    server = await startRadicale();
    client = await createDAVClient({
      serverUrl: server.url,
      credentials: { username: server.username, password: server.password },
      authMethod: "Basic",
      defaultAccountType: "caldav",
    });
    home = (await client.fetchCalendars()).find((c) => c.displayName === "Home")!;
  }, RADICALE_START_MS);
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    recording?.stop();
    recording = undefined;
    await current?.teardown();
    current = undefined;
  });

  async function harness(): Promise<PluginHarness<CalendarPlugin>> {
    current = await createPluginHarness(new CalendarPlugin(), {
      credentials: {
        calendar_backend: "caldav",
        calendar_caldav_url: server.url,
        calendar_caldav_username: server.username,
        calendar_caldav_password: server.password,
        calendar_caldav_calendar: "Home",
      },
    });
    expect(await current.health()).toMatchObject({ status: "HEALTHY" }); // connected before anything is recorded
    return current;
  }

  function record(answer?: (request: Exchange) => Response | undefined): Exchange[] {
    const r = recordFetch(answer);
    recording = r;
    return r.log;
  }

  async function put(uid: string, filename: string, summary = uid): Promise<void> {
    const response = await client.createCalendarObject({ calendar: home, filename, iCalString: ics(uid, summary) });
    expect(response.ok).toBe(true);
  }

  /** The SUMMARY of the object at `filename`, or undefined when there is none. */
  async function summaryAt(filename: string): Promise<string | undefined> {
    const objects = await client.fetchCalendarObjects({ calendar: home });
    const object = objects.find((o) => o.url === new URL(filename, home.url).href);
    return object === undefined ? undefined : /^SUMMARY:(.*?)\r?$/m.exec(String(object.data))?.[1];
  }

  it("updates and deletes an event it created reading only that event, among 50 others, with its ETag", async () => {
    for (let i = 0; i < 50; i++) await put(`bulk-${i}@example.com`, `bulk-${i}.ics`);
    const h = await harness();
    const created = await h.execute(
      "create_event",
      { title: "Review", start: "2026-06-15T10:00:00Z", end: "2026-06-15T11:00:00Z" },
      { approve: true },
    );
    const { id } = (created.data as { event: CalendarEvent }).event;

    const updating = record();
    const updated = await h.execute("update_event", { id, title: "Review (moved)" }, { approve: true });
    recording!.stop();
    expect(updated).toMatchObject({ success: true, data: { event: { id, title: "Review (moved)" } } });
    expect(fullScans(updating)).toEqual([]);
    expect(reports(updating)).toHaveLength(1);
    expect(reports(updating)[0]!.body).toContain("calendar-multiget");
    expect(uidsRead(updating)).toEqual([id]);
    const put1 = updating.find((e) => e.method === "PUT")!;
    expect(put1.headers.get("if-match")).toBe(etagIn(reports(updating)[0]!.response));
    expect(put1.headers.get("if-match")).toBeTruthy();

    const deleting = record();
    const deleted = await h.execute("delete_event", { id }, { approve: true, admin: true });
    recording!.stop();
    expect(deleted).toMatchObject({ success: true, data: { deleted: { id, title: "Review (moved)" } } });
    expect(fullScans(deleting)).toEqual([]);
    expect(uidsRead(deleting)).toEqual([id]);
    const del = deleting.find((e) => e.method === "DELETE")!;
    expect(del.headers.get("if-match")).toBe(etagIn(reports(deleting)[0]!.response));
    expect(del.headers.get("if-match")).not.toBe(put1.headers.get("if-match"));

    const left = await client.fetchCalendarObjects({ calendar: home });
    expect(left.filter((o) => String(o.data).includes("bulk-"))).toHaveLength(50);
    expect(left.some((o) => String(o.data).includes(id))).toBe(false);
  });

  it("finds an event stored under another file name through a UID query, not by reading the calendar", async () => {
    const uid = "foreign-7c1f@example.com";
    await put(uid, "other-name.ics", "Standup");
    const h = await harness();

    const updating = record();
    expect(await h.execute("update_event", { id: uid, title: "Standup (new room)" }, { approve: true })).toMatchObject({
      success: true,
      data: { event: { id: uid, title: "Standup (new room)" } },
    });
    recording!.stop();
    expect(fullScans(updating)).toEqual([]);
    expect(reports(updating).filter((e) => e.body.includes("prop-filter"))).toHaveLength(1);
    expect(uidsRead(updating)).toEqual([uid]);
    expect(updating.find((e) => e.method === "PUT")!.url).toBe(new URL("other-name.ics", home.url).href);
    expect(await summaryAt("other-name.ics")).toBe("Standup (new room)");

    const deleting = record();
    expect(await h.execute("delete_event", { id: uid }, { approve: true, admin: true })).toMatchObject({
      success: true,
    });
    recording!.stop();
    expect(fullScans(deleting)).toEqual([]);
    expect(await summaryAt("other-name.ics")).toBeUndefined();
  });

  it("escapes the id in the query: a UID with XML and iCalendar special characters is found", async () => {
    // The longest part without `\`, `,` or `;` is what the query searches for: it holds XML's specials.
    const uid = `R&D <plan> ]]> ]]> "q1" 'x'-2026@example.com;part\\two,three`;
    await put(uid, "weird.ics", "Odd one");
    const h = await harness();
    const listed = await h.execute("list_events", { start: "2026-06-10", end: "2026-06-10" });
    expect((listed.data as { events: CalendarEvent[] }).events.map((e) => e.id)).toContain(uid);

    const updating = record();
    expect(await h.execute("update_event", { id: uid, title: "Odd one, renamed" }, { approve: true })).toMatchObject({
      success: true,
      data: { event: { id: uid, title: "Odd one, renamed" } },
    });
    recording!.stop();
    expect(fullScans(updating)).toEqual([]);
    expect(
      reports(updating)
        .filter((e) => e.body.includes("prop-filter"))
        .map((e) => e.status),
    ).toEqual([207]);
    expect(await summaryAt("weird.ics")).toBe("Odd one\\, renamed");
  });

  it("does not take an event whose UID merely contains the id (or differs in case) for it", async () => {
    const uid = "team-sync-2026@example.com";
    await put(uid, "sync.ics", "Team sync");
    const h = await harness();
    const log = record();
    for (const id of ["team-sync-2026", "sync-2026@example", "TEAM-SYNC-2026@EXAMPLE.COM", "sync"]) {
      expect(await h.execute("update_event", { id, title: "hijacked" }, { approve: true })).toMatchObject({
        success: false,
        code: "CORTEX_CALENDAR_EVENT_NOT_FOUND",
        error: expect.stringContaining(`"${id}"`) as string,
      });
      expect(await h.execute("delete_event", { id }, { approve: true, admin: true })).toMatchObject({
        success: false,
        code: "CORTEX_CALENDAR_EVENT_NOT_FOUND",
      });
    }
    recording!.stop();
    expect(fullScans(log)).toEqual([]);
    expect(log.filter((e) => e.method === "PUT" || e.method === "DELETE")).toEqual([]);
    expect(await summaryAt("sync.ics")).toBe("Team sync");
  });

  it("reports a missing id as not found without reading the calendar", async () => {
    await put("present-1@example.com", "present-1.ics");
    const h = await harness();
    const log = record();
    expect(await h.execute("update_event", { id: "no-such-event", title: "x" }, { approve: true })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_EVENT_NOT_FOUND",
    });
    expect(await h.execute("delete_event", { id: "no-such-event" }, { approve: true, admin: true })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_EVENT_NOT_FOUND",
    });
    recording!.stop();
    expect(fullScans(log)).toEqual([]);
    expect(uidsRead(log)).toEqual([]);
  });

  it("stops looking when the caller aborts, instead of trying the next way", async () => {
    await put("abort-me@example.com", "abort-elsewhere.ics");
    const h = await harness();
    const controller = new AbortController();
    let attempts = 0;
    const log = record((request) => {
      if (request.method === "REPORT") {
        attempts += 1;
        controller.abort();
      }
      return undefined;
    });
    expect(
      await h.execute(
        "update_event",
        { id: "abort-me@example.com", title: "x" },
        { approve: true, signal: controller.signal },
      ),
    ).toMatchObject({
      success: false,
      code: "CORTEX_ABORTED",
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    recording!.stop();
    expect(attempts).toBe(1);
    expect(reports(log)).toEqual([]); // the one REPORT was cut off by the signal, not answered
    expect(await summaryAt("abort-elsewhere.ics")).toBe("abort-me@example.com");
  });

  it.each([403, 501])("reads the whole calendar when the server refuses the UID filter (HTTP %i)", async (status) => {
    const uid = `refused-${status}@example.com`;
    await put(uid, `refused-${status}.ics`, "Refused");
    const h = await harness();
    const refuse = (request: Exchange): Response | undefined =>
      request.method === "REPORT" && request.body.includes("prop-filter")
        ? new Response(
            '<?xml version="1.0"?><D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:supported-filter/></D:error>',
            {
              status,
              headers: { "content-type": "application/xml" },
            },
          )
        : undefined;

    const log = record(refuse);
    expect(
      await h.execute("update_event", { id: uid, title: "Refused, still found" }, { approve: true }),
    ).toMatchObject({
      success: true,
      data: { event: { id: uid, title: "Refused, still found" } },
    });
    expect(await h.execute("delete_event", { id: "not-there-either" }, { approve: true, admin: true })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_EVENT_NOT_FOUND",
    });
    recording!.stop();
    expect(reports(log).filter((e) => e.status === status)).toHaveLength(2);
    expect(fullScans(log)).toHaveLength(2);
    expect(await summaryAt(`refused-${status}.ics`)).toBe("Refused\\, still found");
    expect(await h.health()).toMatchObject({ status: "HEALTHY" });
  });
});
