import { chmod, lstat, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createPluginHarness, type PluginHarness } from "@cortex/testing";
import ICAL from "ical.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IcsBackend } from "../src/backends/ics.js";
import { listRange } from "../src/events.js";
import { CalendarPlugin, type CalendarEvent } from "../src/index.js";
import { tempDir, tempIcsPath } from "./support/temp.js";

// Calendars written by other programs, and the file system around them.

const harnesses: PluginHarness<CalendarPlugin>[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.teardown()));
  vi.restoreAllMocks();
});

async function harness(file: string): Promise<PluginHarness<CalendarPlugin>> {
  const h = await createPluginHarness(new CalendarPlugin(), { credentials: { calendar_ics_path: file } });
  harnesses.push(h);
  return h;
}

async function list(h: PluginHarness, start: string, end: string): Promise<CalendarEvent[]> {
  const result = await h.execute("list_events", { start, end });
  expect(result.success, result.error).toBe(true);
  return (result.data as { events: CalendarEvent[] }).events;
}

const vevent = (uid: string, dtstart: string, extra = ""): string =>
  `BEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART${dtstart}\r\nSUMMARY:${uid}\r\n${extra}END:VEVENT\r\n`;
const vcalendar = (body: string): string =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//App//EN\r\n${body}END:VCALENDAR\r\n`;

function fillers(n: number): string {
  let body = "";
  for (let i = 0; i < n; i += 1) body += vevent(`e${i}`, ":20250101T100000Z", "DTEND:20250101T110000Z\r\n");
  return vcalendar(body);
}

describe("ICS files from other programs", () => {
  it("lists in linear work: no scan of every sibling VEVENT per event", async () => {
    const work = async (n: number): Promise<number> => {
      const file = await tempIcsPath();
      await writeFile(file, fillers(n));
      const backend = new IcsBackend(file);
      const spy = vi.spyOn(ICAL.Component.prototype, "hasProperty");
      const { events } = await backend.list(listRange("2025-01-01", "2025-01-01"));
      const calls = spy.mock.calls.length;
      spy.mockRestore();
      expect(events).toHaveLength(n);
      return calls;
    };
    const small = await work(2000);
    const large = await work(4000);
    // Linear work doubles; the quadratic sibling scan would quadruple it.
    expect(large / small).toBeLessThan(3);
  });

  it("deletes a series and updates an event in one pass, however many exceptions or duplicate properties", async () => {
    // Removing children one at a time splices each out of the list, moving every later one:
    // quadratic (50,000 exceptions took 8.6 s). The splices made must not grow with their number.
    const splices = async (n: number): Promise<number> => {
      const file = await tempIcsPath();
      const exceptions = `BEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20260601T100000Z\r\nDTSTART:20260601T100000Z\r\nEND:VEVENT\r\n`;
      const duplicates = "SUMMARY:again\r\nATTENDEE:mailto:a@example.com\r\n".repeat(n);
      await writeFile(file, vcalendar(vevent("s", ":20260601T100000Z", duplicates) + exceptions.repeat(n)));
      const backend = new IcsBackend(file);
      const spy = vi.spyOn(Array.prototype, "splice");
      await backend.update("s", { title: "Renamed", attendees: ["b@example.com"] });
      await backend.delete("s");
      const calls = spy.mock.calls.length;
      spy.mockRestore();
      expect(await readFile(file, "utf8")).not.toContain("UID:s\r\n");
      return calls;
    };
    expect((await splices(4000)) - (await splices(2000))).toBeLessThan(100);
  });

  it("keeps every VCALENDAR of a file holding several, listing and changing events in all", async () => {
    const file = await tempIcsPath();
    await writeFile(
      file,
      vcalendar(vevent("first", ";VALUE=DATE:20260601")) +
        vcalendar(vevent("second", ";VALUE=DATE:20260602") + "BEGIN:VTODO\r\nUID:todo\r\nEND:VTODO\r\n"),
    );
    const h = await harness(file);
    expect((await list(h, "2026-06-01", "2026-06-30")).map((e) => e.id)).toEqual(["first", "second"]);

    const created = await h.execute(
      "create_event",
      { title: "new", start: "2026-06-03", end: "2026-06-03" },
      { approve: true },
    );
    expect(created.success).toBe(true);
    const updated = await h.execute("update_event", { id: "second", title: "Second (renamed)" }, { approve: true });
    expect(updated).toMatchObject({ success: true, data: { event: { id: "second", title: "Second (renamed)" } } });
    await h.execute("delete_event", { id: "first" }, { approve: true, admin: true });

    const text = await readFile(file, "utf8");
    expect(text.split("BEGIN:VCALENDAR")).toHaveLength(3);
    expect(text).toContain("UID:todo");
    expect(text).not.toContain("UID:first");
    expect((await list(h, "2026-06-01", "2026-06-30")).map((e) => e.title)).toEqual(["Second (renamed)", "new"]);
  });

  it("reads a file that starts with a UTF-8 byte order mark", async () => {
    const file = await tempIcsPath();
    await writeFile(file, `\uFEFF${vcalendar(vevent("bom", ";VALUE=DATE:20260601"))}`);
    const h = await harness(file);
    expect((await list(h, "2026-06-01", "2026-06-30")).map((e) => e.id)).toEqual(["bom"]);
  });

  it("resolves a TZID only against its own calendar's VTIMEZONEs, never another calendar's", async () => {
    const office = (offset: string): string =>
      `BEGIN:VTIMEZONE\r\nTZID:Office\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:${offset}\r\nTZOFFSETTO:${offset}\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n`;
    const meeting = (uid: string): string =>
      vevent(uid, ";TZID=Office:20260601T100000", "DTEND;TZID=Office:20260601T110000\r\n");
    const a = await tempIcsPath();
    const b = await tempIcsPath();
    await writeFile(a, vcalendar(meeting("in-a"))); // TZID without a VTIMEZONE: floating
    await writeFile(b, vcalendar(office("-0500") + meeting("in-b")));
    const ha = await harness(a);
    const hb = await harness(b);
    expect(await list(hb, "2026-06-01", "2026-06-01")).toMatchObject([
      { start: "2026-06-01T15:00:00Z", end: "2026-06-01T16:00:00Z" },
    ]);
    expect(await list(ha, "2026-06-01", "2026-06-01")).toMatchObject([
      { start: "2026-06-01T10:00:00", end: "2026-06-01T11:00:00" },
    ]);
  });
});

describe("ICS file system", () => {
  it("writes through a symlinked path to the real file, keeping the link and the file's mode", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "sync"));
    const real = join(dir, "sync", "shared.ics");
    await writeFile(real, vcalendar(""));
    await chmod(real, 0o644);
    const link = join(dir, "calendar.ics");
    await symlink(real, link);
    const h = await harness(link);
    const created = await h.execute(
      "create_event",
      { title: "Dentist", start: "2026-06-03", end: "2026-06-03" },
      { approve: true },
    );
    expect(created.success).toBe(true);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, "utf8")).toContain("Dentist");
    expect((await stat(real)).mode & 0o777).toBe(0o644);
  });

  it("creates the target of a dangling symlink, keeping the link; a new file is 0600", async () => {
    const dir = await tempDir();
    const real = join(dir, "target.ics");
    const link = join(dir, "calendar.ics");
    await symlink(real, link);
    await harness(link);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(real, "utf8")).toContain("BEGIN:VCALENDAR");
    expect((await stat(real)).mode & 0o777).toBe(0o600);
  });

  it("never writes a change cancelled while it waits in the queue", async () => {
    const file = await tempIcsPath();
    await writeFile(file, fillers(200));
    const backend = new IcsBackend(file);
    const busy = backend.list(listRange("2025-01-01", "2025-01-01"));
    const controller = new AbortController();
    const input = { title: "Cancelled", start: "2026-06-03", end: "2026-06-03" };
    const create = backend.create(input, controller.signal);
    const update = backend.update("e1", { title: "Cancelled" }, controller.signal);
    const remove = backend.delete("e2", controller.signal);
    const reason = new Error("user pressed stop");
    controller.abort(reason);
    await expect(create).rejects.toBe(reason);
    await expect(update).rejects.toBe(reason);
    await expect(remove).rejects.toBe(reason);
    await busy;
    await backend.close();
    const text = await readFile(file, "utf8");
    expect(text).not.toContain("Cancelled");
    expect(text).toContain("UID:e2\r\n");
    // An already aborted signal is refused at once.
    await expect(backend.create(input, AbortSignal.abort(reason))).rejects.toBe(reason);
    await backend.close();
    expect(await readFile(file, "utf8")).toBe(text);
  });
});

describe("times", () => {
  it("accepts a date-time start on the day of a date-only end", async () => {
    const h = await harness(await tempIcsPath());
    await h.execute(
      "create_event",
      { title: "Afternoon", start: "2026-06-01T15:00:00Z", end: "2026-06-01T16:00:00Z" },
      { approve: true },
    );
    expect((await list(h, "2026-06-01T10:00:00Z", "2026-06-01")).map((e) => e.title)).toEqual(["Afternoon"]);
    expect(await h.execute("list_events", { start: "2026-06-02T00:00:00Z", end: "2026-06-01" })).toMatchObject({
      success: false,
      code: "CORTEX_CALENDAR_INVALID_RANGE",
    });
  });

  it("accepts every offset form the schema does, and a leap second", async () => {
    const h = await harness(await tempIcsPath());
    const starts: [string, string][] = [
      ["2026-06-01T09:30:00+05:30", "2026-06-01T04:00:00Z"],
      ["2026-06-01T09:30:00+0530", "2026-06-01T04:00:00Z"],
      ["2026-06-01T09:30:00+05", "2026-06-01T04:30:00Z"],
      ["2026-06-01T09:30:00-03", "2026-06-01T12:30:00Z"],
      ["2026-06-01T23:59:60Z", "2026-06-01T23:59:59Z"],
    ];
    for (const [start, expected] of starts) {
      const r = await h.execute(
        "create_event",
        { title: start, start, end: "2026-06-02T12:00:00Z" },
        { approve: true },
      );
      expect(r, start).toMatchObject({ success: true, data: { event: { start: expected } } });
    }
  });
});
