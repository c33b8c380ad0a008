import { readFile, writeFile } from "node:fs/promises";
import { createPluginHarness, type PluginHarness } from "@cortex/testing";
import fc from "fast-check";
import ICAL from "ical.js";
import { afterEach, describe, expect, it } from "vitest";
import { CalendarPlugin, type CalendarEvent } from "../src/index.js";
import { PROPERTY, SEED, hostileCalendar, runs } from "./support/hostile.js";
import { tempIcsPath } from "./support/temp.js";

// Reading events is bounded whatever the calendar says: the hostile shapes
// below each held the process for minutes (or until it ran out of memory)
// when ical.js resolved them. Every operation here must finish within a
// generous limit of this process's CPU time (each takes milliseconds): what
// is bounded is the work, which a loaded machine slows down but never adds to.
const LIMIT_MS = 5_000;
const EVERYTHING = { start: "0000-01-01", end: "9999-12-31" };

const harnesses: PluginHarness<CalendarPlugin>[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.teardown()));
});

async function harnessFor(text: string): Promise<{ h: PluginHarness<CalendarPlugin>; file: string }> {
  const file = await tempIcsPath();
  await writeFile(file, text);
  const h = await createPluginHarness(new CalendarPlugin(), { credentials: { calendar_ics_path: file } });
  harnesses.push(h);
  return { h, file };
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  const before = process.cpuUsage();
  const result = await work();
  const { user, system } = process.cpuUsage(before);
  const ms = (user + system) / 1000;
  expect(ms, `${what} took ${Math.round(ms)} ms of CPU time`).toBeLessThan(LIMIT_MS);
  return result;
}

const events = (data: unknown): CalendarEvent[] => (data as { events: CalendarEvent[] }).events;

const CRLF = "\r\n";
const calendar = (body: string): string =>
  `BEGIN:VCALENDAR${CRLF}VERSION:2.0${CRLF}PRODID:-//Other//App//EN${CRLF}${body}END:VCALENDAR${CRLF}`;
const zone = (rule: string, start = "19700101T000000"): string =>
  `BEGIN:VTIMEZONE${CRLF}TZID:Evil${CRLF}BEGIN:STANDARD${CRLF}DTSTART:${start}${CRLF}TZOFFSETFROM:+0100${CRLF}` +
  `TZOFFSETTO:+0200${CRLF}RRULE:${rule}${CRLF}END:STANDARD${CRLF}END:VTIMEZONE${CRLF}`;
const event = (lines: string): string =>
  `BEGIN:VEVENT${CRLF}UID:evil${CRLF}DTSTAMP:20260101T000000Z${CRLF}SUMMARY:Evil${CRLF}${lines}END:VEVENT${CRLF}`;
const zoned = event(`DTSTART;TZID=Evil:20260601T100000${CRLF}DTEND;TZID=Evil:20260601T110000${CRLF}`);

describe("events of hostile calendars (ICS backend)", () => {
  const floating = {
    id: "evil",
    title: "Evil",
    start: "2026-06-01T10:00:00",
    end: "2026-06-01T11:00:00",
    note: expect.stringContaining('times in TZID "Evil" are shown as floating') as string,
  };

  it.each([
    ["FREQ=MINUTELY", zone("FREQ=MINUTELY")],
    ["FREQ=SECONDLY", zone("FREQ=SECONDLY")],
    ["FREQ=HOURLY;INTERVAL=1 from year 0001", zone("FREQ=HOURLY;INTERVAL=1", "00010101T000000")],
    ["FREQ=DAILY;COUNT=2147483647", zone("FREQ=DAILY;COUNT=2147483647")],
    ["FREQ=YEARLY;BYSECOND=0..59", zone(`FREQ=YEARLY;BYSECOND=${[...Array(60).keys()].join(",")}`)],
    ["FREQ=YEARLY;BYMINUTE=0..59;BYHOUR=0..23", zone("FREQ=YEARLY;BYMINUTE=0,15,30,45;BYHOUR=0,1,2,3,4,5")],
    ["FREQ=YEARLY;BYDAY=MO without BYMONTH", zone("FREQ=YEARLY;BYDAY=MO")],
    ["FREQ=YEARLY;BYSETPOS", zone("FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYSETPOS=-1")],
  ])(
    "shows times in a VTIMEZONE with RRULE %s as floating, with a note, and can change and delete the event",
    async (_, vtimezone) => {
      const { h, file } = await harnessFor(calendar(vtimezone + zoned));
      const listed = await timed("list", () => h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" }));
      expect(listed).toEqual({ success: true, data: { events: [floating] } });
      const updated = await timed("update", () =>
        h.execute("update_event", { id: "evil", title: "Renamed" }, { approve: true }),
      );
      expect(updated).toMatchObject({ success: true, data: { event: { ...floating, title: "Renamed" } } });
      const deleted = await timed("delete", () =>
        h.execute("delete_event", { id: "evil" }, { approve: true, admin: true }),
      );
      expect(deleted).toMatchObject({ success: true, data: { deleted: { id: "evil", title: "Renamed" } } });
      expect(await readFile(file, "utf8")).not.toContain("UID:evil");
    },
  );

  it.each([
    ["P99999999999D", "9999-12-31T23:59:59Z"],
    ["P99999999999W", "9999-12-31T23:59:59Z"],
    ["PT99999999999H", "9999-12-31T23:59:59Z"],
    ["PT99999999999999999999S", "9999-12-31T23:59:59Z"],
    ["-P99999999999D", "0000-01-01T00:00:00Z"],
  ])("clamps the end a DURATION of %s gives, with a note", async (duration, end) => {
    const { h } = await harnessFor(calendar(event(`DTSTART:20260601T100000Z${CRLF}DURATION:${duration}${CRLF}`)));
    const listed = await timed("list", () => h.execute("list_events", EVERYTHING));
    expect(events(listed.data)).toEqual([
      {
        id: "evil",
        title: "Evil",
        start: "2026-06-01T10:00:00Z",
        end,
        note: expect.stringContaining("the end DURATION gives falls outside the years 0000–9999") as string,
      },
    ]);
    expect(
      await timed("delete", () => h.execute("delete_event", { id: "evil" }, { approve: true, admin: true })),
    ).toMatchObject({ success: true });
  });

  it("adds a DURATION in the zone's local time, across a daylight saving change", async () => {
    const berlin = [
      "BEGIN:VTIMEZONE",
      "TZID:Europe/Berlin",
      "BEGIN:DAYLIGHT",
      "DTSTART:19700329T020000",
      "TZOFFSETFROM:+0100",
      "TZOFFSETTO:+0200",
      "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
      "END:DAYLIGHT",
      "BEGIN:STANDARD",
      "DTSTART:19701025T030000",
      "TZOFFSETFROM:+0200",
      "TZOFFSETTO:+0100",
      "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
      "END:STANDARD",
      "END:VTIMEZONE",
      "",
    ].join(CRLF);
    const { h } = await harnessFor(
      calendar(berlin + event(`DTSTART;TZID=Europe/Berlin:20261024T100000${CRLF}DURATION:P1DT1H${CRLF}`)),
    );
    // One nominal day later at 10:00 local is 09:00Z (winter time), then one hour.
    expect(events((await h.execute("list_events", { start: "2026-10-01", end: "2026-10-31" })).data)).toEqual([
      { id: "evil", title: "Evil", start: "2026-10-24T08:00:00Z", end: "2026-10-25T10:00:00Z" },
    ]);
  });

  it("deletes an event whose DTSTART is not a date, reporting what it has", async () => {
    const { h, file } = await harnessFor(calendar(event(`DTSTART:not-a-date${CRLF}`)));
    expect(await h.execute("list_events", EVERYTHING)).toEqual({ success: true, data: { events: [], skipped: 1 } });
    expect(await h.execute("delete_event", { id: "evil" }, { approve: true, admin: true })).toEqual({
      success: true,
      data: { deleted: { id: "evil", title: "Evil", start: "", end: "", note: "DTSTART is missing or not a date" } },
    });
    expect(await readFile(file, "utf8")).not.toContain("UID:evil");
  });

  it("lists, changes and deletes the event of any generated hostile calendar, each step in bounded time", async () => {
    console.log(`events.test.ts hostile calendars: fast-check seed ${SEED}`);
    await fc.assert(
      fc.asyncProperty(hostileCalendar, async ({ uid, text }) => {
        const { h, file } = await harnessFor(text);
        const listed = await timed("list", () => h.execute("list_events", EVERYTHING));
        expect(listed.success, listed.error).toBe(true);
        expect(events(listed.data).map((e) => e.id)).toContain(uid);
        const updated = await timed("update", () =>
          h.execute("update_event", { id: uid, title: "Renamed" }, { approve: true }),
        );
        expect(updated.success, updated.error).toBe(true);
        const moved = await timed("move", () =>
          h.execute("update_event", { id: uid, end: "9999-12-31" }, { approve: true }),
        );
        // The start may be a date or a date-time: moving only the end either works or says they differ.
        expect(moved.success || moved.code === "CORTEX_CALENDAR_INVALID_RANGE", moved.error).toBe(true);
        const deleted = await timed("delete", () =>
          h.execute("delete_event", { id: uid }, { approve: true, admin: true }),
        );
        expect(deleted.success, deleted.error).toBe(true);
        const after = await readFile(file, "utf8");
        expect(new ICAL.Component(ICAL.parse(after) as never).getAllSubcomponents("vevent")).toHaveLength(0);
      }),
      { ...PROPERTY, numRuns: runs(40, 25) },
    );
  }, 300_000);
});
