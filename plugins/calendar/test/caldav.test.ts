import { createPluginHarness, type PluginHarness } from "@cortex/testing";
import ICAL from "ical.js";
import { createDAVClient } from "tsdav";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CalendarPlugin, type CalendarEvent } from "../src/index.js";
import { freePort, hasRadicale, startRadicale, type RadicaleServer } from "./support/radicale.js";

if (!hasRadicale) {
  console.warn("CalDAV backend tests SKIPPED: the radicale binary is missing (Debian: apt-get install radicale)");
}

describe.skipIf(!hasRadicale)("CalDAV backend (needs Debian package radicale: apt-get install radicale)", () => {
  let server: RadicaleServer;
  let current: PluginHarness<CalendarPlugin> | undefined;

  beforeAll(async () => {
    server = await startRadicale();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await current?.teardown();
    current = undefined;
  });

  const credentials = (extra: Record<string, string> = {}): Record<string, string> => ({
    calendar_backend: "caldav",
    calendar_caldav_url: server.url,
    calendar_caldav_username: server.username,
    calendar_caldav_password: server.password,
    ...extra,
  });

  async function harness(extra?: Record<string, string>): Promise<PluginHarness<CalendarPlugin>> {
    current = await createPluginHarness(new CalendarPlugin(), { credentials: credentials(extra) });
    return current;
  }

  async function serverObjects(calendarName: string): Promise<string[]> {
    const client = await createDAVClient({
      serverUrl: server.url,
      credentials: { username: server.username, password: server.password },
      authMethod: "Basic",
      defaultAccountType: "caldav",
    });
    const calendar = (await client.fetchCalendars()).find((c) => c.displayName === calendarName)!;
    return (await client.fetchCalendarObjects({ calendar })).map((o) => String(o.data));
  }

  it("creates, lists, updates and deletes events on the server", async () => {
    const h = await harness({ calendar_caldav_calendar: "Home" });
    expect(await h.health()).toMatchObject({ status: "HEALTHY", details: { backend: "caldav", calendar: "Home" } });

    const created = await h.execute(
      "create_event",
      { title: "Dentist", start: "2026-06-12T08:00:00Z", end: "2026-06-12T09:00:00Z", attendees: ["me@example.com"] },
      { approve: true },
    );
    expect(created).toMatchObject({ success: true });
    const event = (created.data as { event: CalendarEvent }).event;
    await h.execute("create_event", { title: "Trip", start: "2026-07-03", end: "2026-07-05" }, { approve: true });

    const bodies = await serverObjects("Home");
    expect(bodies).toHaveLength(2);
    const stored = bodies.map(
      (b) => new ICAL.Event(new ICAL.Component(ICAL.parse(b) as never).getFirstSubcomponent("vevent")!),
    );
    expect(stored.map((e) => e.summary).sort()).toEqual(["Dentist", "Trip"]);
    expect(stored.find((e) => e.summary === "Dentist")!.uid).toBe(event.id);

    const june = await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(june).toEqual({ success: true, data: { events: [event] } });

    const updated = await h.execute(
      "update_event",
      { id: event.id, title: "Dentist (rescheduled)", end: "2026-06-12T09:30:00Z" },
      { approve: true },
    );
    expect(updated).toEqual({
      success: true,
      data: { event: { ...event, title: "Dentist (rescheduled)", end: "2026-06-12T09:30:00Z" } },
    });
    const july = await h.execute("list_events", { start: "2026-07-01", end: "2026-07-31" });
    expect((july.data as { events: CalendarEvent[] }).events).toMatchObject([
      { title: "Trip", start: "2026-07-03", end: "2026-07-05" },
    ]);

    expect(await h.execute("delete_event", { id: event.id }, { approve: true, admin: true })).toMatchObject({
      success: true,
    });
    expect(await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" })).toEqual({
      success: true,
      data: { events: [] },
    });
    expect(await h.execute("update_event", { id: event.id, title: "gone" }, { approve: true })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_EVENT_NOT_FOUND",
    });
    expect(await serverObjects("Home")).toHaveLength(1);
    expect(await serverObjects("Work")).toHaveLength(0);
  });

  it("uses the first calendar by default, and a calendar URL when configured", async () => {
    const h = await harness();
    expect((await h.health()).details).toMatchObject({
      calendarUrl: expect.stringMatching(/\/alice\/(home|work)\/$/) as string,
    });
    await h.teardown();
    const byUrl = await harness({ calendar_caldav_calendar: server.homeUrl });
    expect((await byUrl.health()).details).toMatchObject({ calendar: "Home", calendarUrl: server.homeUrl });
  });

  it("reports an unknown calendar name as a failure naming the calendars there are", async () => {
    const h = await harness({ calendar_caldav_calendar: "Holidays" });
    const result = await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(result).toMatchObject({ success: false, code: "CORTEX_CALENDAR_COLLECTION_NOT_FOUND" });
    expect(result.error).toContain("Home");
    expect(await h.health()).toMatchObject({ status: "UNHEALTHY" });
  });

  it("with a wrong password: health UNHEALTHY 'not authorized', actions fail, the password never shows", async () => {
    const wrong = "wrong-pa55word-xyz";
    const h = await harness({ calendar_caldav_password: wrong });
    const health = await h.health();
    expect(health).toMatchObject({ status: "UNHEALTHY", details: { code: "CORTEX_CALENDAR_UNAUTHORIZED" } });
    expect(health.error).toMatch(/^not authorized/);
    const result = await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(result).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_UNAUTHORIZED",
      error: expect.stringContaining("not authorized") as string,
    });
    const direct = await h.plugin.executeAction("create_event", { title: "x", start: "2026-06-01", end: "2026-06-01" });
    expect(direct).toMatchObject({ success: false, code: "CORTEX_CALENDAR_UNAUTHORIZED" });
    for (const text of [
      JSON.stringify(health),
      JSON.stringify(result),
      JSON.stringify(direct),
      JSON.stringify(await h.plugin.health()),
    ]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(server.password);
    }
  });

  it("with the server down: failure results and UNHEALTHY", async () => {
    const port = await freePort();
    const h = await harness({ calendar_caldav_url: `http://127.0.0.1:${port}/` });
    const result = await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(result).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_UNREACHABLE",
      error: expect.stringContaining("ECONNREFUSED") as string,
    });
    expect(
      await h.execute("create_event", { title: "x", start: "2026-06-01", end: "2026-06-01" }, { approve: true }),
    ).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_UNREACHABLE",
    });
    expect(await h.health()).toMatchObject({ status: "UNHEALTHY", details: { code: "CORTEX_CALENDAR_UNREACHABLE" } });
    expect(JSON.stringify(result)).not.toContain(server.password);
    // Only the password is a secret: the server URL stays readable in the registry's error text.
    expect(result.error).toContain(`cannot reach the CalDAV server at http://127.0.0.1:${port}/`);
    const settings = [
      "calendar_backend",
      "calendar_caldav_url",
      "calendar_caldav_username",
      "calendar_caldav_calendar",
    ];
    expect(settings.filter((key) => !h.broker.wasRequestedAsSetting(key))).toEqual([]);
    expect(h.broker.wasRequestedAsSetting("calendar_caldav_password")).toBe(false);
  });

  it("notices a server going away and reconnects when it is back", async () => {
    const own = await startRadicale();
    const port = Number(new URL(own.url).port);
    let again: RadicaleServer | undefined;
    try {
      current = await createPluginHarness(new CalendarPlugin(), {
        credentials: {
          calendar_backend: "caldav",
          calendar_caldav_url: own.url,
          calendar_caldav_username: own.username,
          calendar_caldav_password: own.password,
        },
      });
      expect(await current.health()).toMatchObject({ status: "HEALTHY" });
      await own.stop();
      expect(await current.health()).toMatchObject({
        status: "UNHEALTHY",
        details: { code: "CORTEX_CALENDAR_UNREACHABLE" },
      });
      again = await startRadicale(port);
      expect(await current.health()).toMatchObject({ status: "HEALTHY" });
      expect(await current.execute("list_events", { start: "2026-06-01", end: "2026-06-30" })).toEqual({
        success: true,
        data: { events: [] },
      });
    } finally {
      await own.stop();
      await again?.stop();
    }
  });
});
