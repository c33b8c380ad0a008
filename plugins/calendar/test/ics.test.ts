import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { createPluginHarness, type PluginHarness } from "@cortex/testing";
import ICAL from "ical.js";
import { afterEach, describe, expect, it } from "vitest";
import { CALENDAR_CREDENTIALS, CalendarPlugin, type CalendarEvent } from "../src/index.js";
import { HOSTILE_TITLES, normalizedText, physicalLines, strictLines } from "./support/hostile.js";
import { tempIcsPath } from "./support/temp.js";

let current: PluginHarness<CalendarPlugin> | undefined;

afterEach(async () => {
  await current?.teardown();
  current = undefined;
});

async function harness(path?: string): Promise<{ h: PluginHarness<CalendarPlugin>; file: string }> {
  const file = path ?? (await tempIcsPath());
  current = await createPluginHarness(new CalendarPlugin(), {
    credentials: { calendar_backend: "ics", calendar_ics_path: file },
  });
  return { h: current, file };
}

const meeting = {
  title: "Planning",
  start: "2026-06-10T09:00:00Z",
  end: "2026-06-10T10:00:00Z",
  location: "Room 4",
  description: "Quarterly planning",
  attendees: ["ana@example.com", "bo@example.com"],
};

async function create(h: PluginHarness, params: Record<string, unknown>): Promise<CalendarEvent> {
  const result = await h.execute("create_event", params, { approve: true });
  expect(result).toMatchObject({ success: true });
  return (result.data as { event: CalendarEvent }).event;
}

async function list(h: PluginHarness, start: string, end: string): Promise<CalendarEvent[]> {
  const result = await h.execute("list_events", { start, end });
  expect(result.success, result.error).toBe(true);
  return (result.data as { events: CalendarEvent[] }).events;
}

function parseFile(text: string) {
  return new ICAL.Component(ICAL.parse(text) as never);
}

describe("ICS backend", () => {
  it("creates the file as an empty VCALENDAR when it is missing (folder included)", async () => {
    const { h, file } = await harness(`${await tempIcsPath()}.d/nested/cal.ics`);
    const cal = parseFile(await readFile(file, "utf8"));
    expect(cal.name).toBe("vcalendar");
    expect(cal.getFirstPropertyValue("version")).toBe("2.0");
    expect(cal.getFirstPropertyValue("prodid")).toBeTruthy();
    expect(cal.getAllSubcomponents("vevent")).toHaveLength(0);
    expect(await h.health()).toMatchObject({ plugin: "calendar", status: "HEALTHY" });
  });

  it("creates, lists, updates and deletes an event", async () => {
    const { h } = await harness();
    const created = await create(h, meeting);
    expect(created).toEqual({ id: expect.any(String) as string, ...meeting });

    expect(await list(h, "2026-06-01", "2026-06-30")).toEqual([created]);

    const updated = await h.execute(
      "update_event",
      {
        id: created.id,
        title: "Planning (moved)",
        start: "2026-06-11T09:00:00+02:00",
        end: "2026-06-11T10:30:00+02:00",
        location: "",
      },
      { approve: true },
    );
    expect(updated).toMatchObject({ success: true });
    const after = (updated.data as { event: CalendarEvent }).event;
    expect(after).toEqual({
      id: created.id,
      title: "Planning (moved)",
      start: "2026-06-11T07:00:00Z",
      end: "2026-06-11T08:30:00Z",
      description: "Quarterly planning",
      attendees: ["ana@example.com", "bo@example.com"],
    });
    expect(await list(h, "2026-06-01", "2026-06-30")).toEqual([after]);

    const deleted = await h.execute("delete_event", { id: created.id }, { approve: true, admin: true });
    expect(deleted).toEqual({ success: true, data: { deleted: after } });
    expect(await list(h, "2026-06-01", "2026-06-30")).toEqual([]);
  });

  it("writes valid iCalendar that ical.js parses back, with UID, DTSTART, DTEND and SUMMARY", async () => {
    const { h, file } = await harness();
    const timed = await create(h, meeting);
    const allDay = await create(h, { title: "Offsite", start: "2026-06-15", end: "2026-06-16" });
    expect(allDay).toMatchObject({ start: "2026-06-15", end: "2026-06-16" });

    const text = await readFile(file, "utf8");
    expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    const events = parseFile(text).getAllSubcomponents("vevent");
    expect(events.map((v) => v.getFirstPropertyValue("uid"))).toEqual([timed.id, allDay.id]);
    for (const v of events) {
      for (const prop of ["uid", "dtstamp", "dtstart", "dtend", "summary"])
        expect(v.hasProperty(prop), prop).toBe(true);
    }
    const [first, second] = events.map((v) => new ICAL.Event(v));
    expect(first!.startDate.toString()).toBe("2026-06-10T09:00:00Z");
    expect(first!.attendees.map((a) => a.getFirstValue())).toEqual(["mailto:ana@example.com", "mailto:bo@example.com"]);
    // All-day: DTEND is exclusive in iCalendar, the plugin's `end` is the last day.
    expect(second!.startDate.isDate).toBe(true);
    expect(second!.endDate.toString()).toBe("2026-06-17");
  });

  it("lists only events overlapping the range, sorted by start; a date end includes its day", async () => {
    const { h } = await harness();
    const may = await create(h, { title: "May", start: "2026-05-31T23:00:00Z", end: "2026-05-31T23:30:00Z" });
    const spanning = await create(h, { title: "Spans", start: "2026-05-31T23:30:00Z", end: "2026-06-01T00:30:00Z" });
    const lastDay = await create(h, { title: "Last day", start: "2026-06-30T22:00:00Z", end: "2026-06-30T23:00:00Z" });
    const july = await create(h, { title: "July", start: "2026-07-01", end: "2026-07-01" });
    const holiday = await create(h, { title: "Holiday", start: "2026-06-05", end: "2026-06-07" });

    expect(await list(h, "2026-06-01", "2026-06-30")).toEqual([spanning, holiday, lastDay]);
    expect(await list(h, "2026-06-06", "2026-06-06")).toEqual([holiday]);
    expect(await list(h, "2026-05-31T23:10:00Z", "2026-05-31T23:40:00Z")).toEqual([may, spanning]);
    expect(await list(h, "2026-07-01T00:00:00Z", "2026-07-31")).toEqual([july]);
  });

  it("answers start after end, an unknown id and mixed date kinds with failure results", async () => {
    const { h } = await harness();
    expect(await h.execute("list_events", { start: "2026-06-30", end: "2026-06-01" })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_INVALID_RANGE",
      error: expect.stringContaining("must not be after end") as string,
    });
    const badCreate = await h.execute(
      "create_event",
      { title: "x", start: "2026-06-02T10:00:00Z", end: "2026-06-02T09:00:00Z" },
      { approve: true },
    );
    expect(badCreate).toMatchObject({ success: false, code: "CORTEX_CALENDAR_INVALID_RANGE" });
    const mixed = await h.execute(
      "create_event",
      { title: "x", start: "2026-06-02", end: "2026-06-02T09:00:00Z" },
      { approve: true },
    );
    expect(mixed).toMatchObject({ success: false, code: "CORTEX_CALENDAR_INVALID_RANGE" });
    expect(await h.execute("update_event", { id: "nope", title: "y" }, { approve: true })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_EVENT_NOT_FOUND",
      error: expect.stringContaining('"nope"') as string,
    });
    expect(await h.execute("delete_event", { id: "nope" }, { approve: true, admin: true })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_EVENT_NOT_FOUND",
    });
    const event = await create(h, { title: "Day", start: "2026-06-03", end: "2026-06-03" });
    expect(
      await h.execute("update_event", { id: event.id, end: "2026-06-03T10:00:00Z" }, { approve: true }),
    ).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_INVALID_RANGE",
    });
  });

  it("rejects bad parameters in the registry, listing every problem, before the plugin runs", async () => {
    const { h } = await harness();
    const error = await h
      .execute("list_events", { start: "2026-13-01", end: "tomorrow", extra: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
    const paths = (error as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["/start", "/end", "/extra"]));
    await expect(h.execute("list_events", { start: "2026-06-01T10:00:00", end: "2026-06-02" })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
    await expect(
      h.execute(
        "create_event",
        { title: "x", start: "2026-06-01", end: "2026-06-01", attendees: ["not-an-email"] },
        { approve: true },
      ),
    ).rejects.toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
    await expect(h.execute("update_event", { id: "x" }, { approve: true })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
  });

  it("enforces tiers: no approval never writes the file, delete needs an admin", async () => {
    const { h, file } = await harness();
    const before = await readFile(file, "utf8");
    await expect(h.execute("create_event", meeting)).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    await expect(h.execute("create_event", meeting, { approve: false })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_DENIED",
    });
    expect(await readFile(file, "utf8")).toBe(before);

    const event = await create(h, meeting);
    await expect(h.execute("update_event", { id: event.id, title: "z" })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
    });
    await expect(h.execute("delete_event", { id: event.id }, { approve: true })).rejects.toMatchObject({
      code: "CORTEX_FORBIDDEN",
    });
    await expect(h.execute("delete_event", { id: event.id }, { admin: true })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
    });
    expect(await list(h, "2026-06-01", "2026-06-30")).toEqual([event]);
  });

  it("loses no event when many creates run at once", async () => {
    const { h, file } = await harness();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        h.execute(
          "create_event",
          {
            title: `E${i}`,
            start: `2026-06-${String((i % 28) + 1).padStart(2, "0")}`,
            end: `2026-06-${String((i % 28) + 1).padStart(2, "0")}`,
          },
          { approve: true },
        ),
      ),
    );
    expect(results.every((r) => r.success)).toBe(true);
    const events = await list(h, "2026-06-01", "2026-06-30");
    expect(events).toHaveLength(40);
    expect(new Set(events.map((e) => e.title)).size).toBe(40);
    expect(parseFile(await readFile(file, "utf8")).getAllSubcomponents("vevent")).toHaveLength(40);
  });

  it("writes atomically: a concurrent reader always sees a whole calendar, no temp file is left", async () => {
    const { h, file } = await harness();
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await readFile(file, "utf8");
        expect(() => parseFile(text)).not.toThrow();
        expect(text.trimEnd().endsWith("END:VCALENDAR")).toBe(true);
        reads += 1;
      }
    })();
    for (let i = 0; i < 25; i++) {
      await create(h, { ...meeting, title: `Write ${i}`, description: "x".repeat(2000) });
    }
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect((await readdir(dirname(file))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("reads calendars from other programs: recurring events, TZID, DURATION, malformed events", async () => {
    const file = await tempIcsPath();
    await writeFile(
      file,
      [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Other//App//EN",
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
        "BEGIN:VEVENT",
        "UID:weekly@other",
        "DTSTAMP:20260101T000000Z",
        "DTSTART;TZID=Europe/Berlin:20260602T100000",
        "DURATION:PT1H",
        "RRULE:FREQ=WEEKLY;COUNT=10",
        "SUMMARY:Standup",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:weekly@other",
        "RECURRENCE-ID;TZID=Europe/Berlin:20260609T100000",
        "DTSTAMP:20260101T000000Z",
        "DTSTART;TZID=Europe/Berlin:20260609T110000",
        "DURATION:PT1H",
        "SUMMARY:Standup (late)",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "DTSTAMP:20260101T000000Z",
        "SUMMARY:No UID or start",
        "END:VEVENT",
        "BEGIN:VTODO",
        "UID:todo@other",
        "SUMMARY:Not an event",
        "END:VTODO",
        "END:VCALENDAR",
        "",
      ].join("\r\n"),
    );
    const { h } = await harness(file);
    const result = await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(result).toEqual({
      success: true,
      data: {
        events: [
          {
            id: "weekly@other",
            title: "Standup",
            start: "2026-06-02T08:00:00Z",
            end: "2026-06-02T09:00:00Z",
            recurrence: "FREQ=WEEKLY;COUNT=10",
          },
        ],
        skipped: 1,
      },
    });
    // Deleting a series removes its exceptions too; the other components stay.
    expect(await h.execute("delete_event", { id: "weekly@other" }, { approve: true, admin: true })).toMatchObject({
      success: true,
    });
    const cal = parseFile(await readFile(file, "utf8"));
    expect(cal.getAllSubcomponents("vevent")).toHaveLength(1);
    expect(cal.getAllSubcomponents("vtodo")).toHaveLength(1);
    expect(cal.getAllSubcomponents("vtimezone")).toHaveLength(1);
  });

  it("escapes hostile text: every reader sees exactly the events created, with the text as written", async () => {
    const { h, file } = await harness();
    for (const title of HOSTILE_TITLES) {
      await create(h, { title, start: "2026-06-01", end: "2026-06-01", location: title, description: title });
    }
    const text = await readFile(file, "utf8");
    expect(strictLines(text)).toEqual({ begins: ["VCALENDAR", ...HOSTILE_TITLES.map(() => "VEVENT")], strays: [] });
    expect(physicalLines(text).every((line) => line.length <= 75)).toBe(true);
    const stored = parseFile(text).getAllSubcomponents("vevent");
    expect(stored.map((v) => v.getFirstPropertyValue("summary"))).toEqual(HOSTILE_TITLES.map(normalizedText));
    expect(stored.map((v) => v.getFirstPropertyValue("description"))).toEqual(HOSTILE_TITLES.map(normalizedText));
    const listed = await list(h, "2026-06-01", "2026-06-01");
    expect(listed.map((e) => e.title).sort()).toEqual(HOSTILE_TITLES.map(normalizedText).sort());
  });

  it("refuses control characters in text with CORTEX_CALENDAR_INVALID_TEXT, writing nothing", async () => {
    const { h, file } = await harness();
    const event = await create(h, { title: "Kept", start: "2026-06-01", end: "2026-06-01" });
    const before = await readFile(file, "utf8");
    for (const params of [
      { title: "a\0b", start: "2026-06-02", end: "2026-06-02" },
      { title: "ok", description: "\u001b[2J", start: "2026-06-02", end: "2026-06-02" },
    ]) {
      expect(await h.execute("create_event", params, { approve: true })).toMatchObject({
        success: false,
        code: "CORTEX_CALENDAR_INVALID_TEXT",
      });
    }
    expect(await h.execute("update_event", { id: event.id, location: "x\u0007" }, { approve: true })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_INVALID_TEXT",
      error: expect.stringContaining("location holds the control character U+0007 at position 1") as string,
    });
    expect(
      await h.plugin.executeAction("update_event", { id: event.id, attendees: ["a@example.com\r\nX:1"] }),
    ).toMatchObject({ success: false, code: "CORTEX_CALENDAR_INVALID_TEXT" });
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("reports a broken file as UNHEALTHY and as failure results, and recovers once it is fixed", async () => {
    const { h, file } = await harness();
    await writeFile(file, "this is not iCalendar\n");
    const health = await h.health();
    expect(health).toMatchObject({
      status: "UNHEALTHY",
      details: { backend: "ics", code: "CORTEX_CALENDAR_FILE_INVALID" },
    });
    const failed = await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(failed).toMatchObject({ success: false, code: "CORTEX_CALENDAR_FILE_INVALID" });
    // The backend name and the path are settings, not secrets: the registry leaves "ics" and the path readable.
    expect(failed.error).toContain(`${file} is not valid iCalendar`);
    expect(failed.error).not.toContain("[REDACTED]");
    await writeFile(file, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n");
    expect(await h.health()).toMatchObject({ status: "HEALTHY" });
  });
});

describe("CalendarPlugin lifecycle", () => {
  it("is UNKNOWN before setup and after teardown; the ics backend is the default", async () => {
    const plugin = new CalendarPlugin();
    expect(await plugin.health()).toMatchObject({ plugin: "calendar", status: "UNKNOWN" });
    current = await createPluginHarness(plugin, { credentials: { calendar_ics_path: await tempIcsPath() } });
    // The typed form reads every declared key once, before its setup runs.
    expect(current.broker.requestedKeys).toEqual(Object.keys(CALENDAR_CREDENTIALS));
    expect(await plugin.health()).toMatchObject({ status: "HEALTHY", details: { backend: "ics" } });
    await current.teardown();
    expect(await plugin.health()).toMatchObject({ status: "UNKNOWN" });
  });

  it("fails setup on an unknown backend or a missing path, naming the key", async () => {
    await expect(
      createPluginHarness(new CalendarPlugin(), { credentials: { calendar_backend: "exchange" } }),
    ).rejects.toMatchObject({ code: "CORTEX_PLUGIN_NOT_READY", cause: { code: "CORTEX_CALENDAR_CONFIG_INVALID" } });
    await expect(createPluginHarness(new CalendarPlugin(), { credentials: {} })).rejects.toMatchObject({
      code: "CORTEX_PLUGIN_NOT_READY",
      cause: { code: "CORTEX_CREDENTIAL_MISSING", message: expect.stringContaining("calendar_ics_path") as string },
    });
  });

  it("answers an unknown action, or an action before setup, with a failure result", async () => {
    const plugin = new CalendarPlugin();
    expect(await plugin.executeAction("list_events", { start: "2026-06-01", end: "2026-06-02" })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_NOT_READY",
    });
    expect(await plugin.executeAction("send_invites", {})).toMatchObject({
      success: false,
      code: "CORTEX_ACTION_NOT_FOUND",
      error: expect.stringContaining("list_events") as string,
    });
  });

  it("describes its actions with tiers and strict schemas", () => {
    const actions = new CalendarPlugin().listActions();
    expect(actions.map((a) => [a.name, a.tier])).toEqual([
      ["list_events", "AUTO"],
      ["create_event", "CONFIRM"],
      ["update_event", "CONFIRM"],
      ["delete_event", "ADMIN"],
    ]);
    for (const action of actions) {
      expect(action.description.length).toBeGreaterThan(10);
      expect(action.parameters).toMatchObject({ type: "object", additionalProperties: false });
      for (const prop of Object.values(action.parameters!.properties as Record<string, { description?: string }>)) {
        expect(prop.description).toBeTruthy();
      }
    }
  });
});
