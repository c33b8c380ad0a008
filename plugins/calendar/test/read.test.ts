import { writeFile } from "node:fs/promises";
import { createPluginHarness } from "@cortex/testing";
import { describe, expect, it } from "vitest";
import { CALENDAR_LIMITS } from "../src/defaults.js";
import { parseCalendar, parseCalendars } from "../src/ical/read.js";
import { CalendarPlugin } from "../src/index.js";
import { tempIcsPath } from "./support/temp.js";

const CRLF = "\r\n";
const calendar = (...lines: string[]): string =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", ...lines, "END:VCALENDAR", ""].join(CRLF);
const params = (n: number): string => Array.from({ length: n }, (_, i) => `;X-P${i}=v`).join("");

function refusal(text: string): unknown {
  try {
    parseCalendars(text, "test.ics");
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("parseCalendars", () => {
  const { maxParameters, maxParameterChars } = CALENDAR_LIMITS;

  it(`reads a content line of ${maxParameters} parameters, and refuses one more, naming the line`, () => {
    expect(
      parseCalendar(calendar(`X-MANY${params(maxParameters)}:value`), "t").getFirstProperty("x-many"),
    ).not.toBeNull();
    expect(refusal(calendar(`X-MANY${params(maxParameters + 1)}:value`))).toMatchObject({
      code: "CORTEX_CALENDAR_TOO_COMPLEX",
      message: expect.stringContaining(
        "test.ics: the content line starting on line 4 has more than 100 parameters",
      ) as string,
    });
  });

  it("counts parameters across folded lines, and none inside quotes or the value", () => {
    const folded = `X-FOLDED${params(maxParameters + 1)}:value`.replace(/(.{40})/g, `$1${CRLF} `);
    expect(refusal(calendar(folded))).toMatchObject({ code: "CORTEX_CALENDAR_TOO_COMPLEX" });
    const quoted = `ATTENDEE;CN="${";a=b".repeat(500)}";ROLE=CHAIR:mailto:a@example.com`;
    const value = `DESCRIPTION:${";x=y:z".repeat(50_000)}`;
    const cal = parseCalendar(calendar(quoted, value), "t");
    expect(cal.getFirstProperty("attendee")!.getParameter("role")).toBe("CHAIR");
    expect(String(cal.getFirstPropertyValue("description"))).toHaveLength(300_000);
  });

  it(`refuses more than ${maxParameterChars} characters before a value`, () => {
    expect(refusal(calendar(`X-LONG;X-P="${"a".repeat(maxParameterChars)}":value`))).toMatchObject({
      code: "CORTEX_CALENDAR_TOO_COMPLEX",
      message: expect.stringContaining(`more than ${maxParameterChars} characters before its value`) as string,
    });
  });

  it("bounds a line whose quotes ical.js reads differently from RFC 5545 as a whole", () => {
    // ical.js takes the second quoted string of a one-value parameter for the start of another
    // parameter and goes on parsing "parameters" inside the value.
    const trick = `X;A="a","b;D=":"${";P=1".repeat(maxParameters + 1)}:v`;
    expect(refusal(calendar(trick))).toMatchObject({
      code: "CORTEX_CALENDAR_TOO_COMPLEX",
      message: expect.stringContaining('more than 100 "="') as string,
    });
    // Sloppy but short lines still parse.
    const sloppy = parseCalendar(calendar('ATTENDEE;CN=Bob "B" Smith:mailto:b@example.com'), "t");
    expect(sloppy.getFirstProperty("attendee")!.getParameter("cn")).toBe('Bob "B" Smith');
    expect(
      parseCalendar(calendar('ATTENDEE;DELEGATED-TO="mailto:a@x","mailto:b@x":mailto:c@x'), "t")
        .getFirstProperty("attendee")!
        .getParameter("delegated-to"),
    ).toEqual(["mailto:a@x", "mailto:b@x"]);
  });

  it("answers a file with a 3.9 MB line of 400,000 parameters at once (ical.js alone parses it for ~40 s)", async () => {
    const file = await tempIcsPath();
    const line = `X-A${Array.from({ length: 400_000 }, (_, i) => `;P${i}=v`).join("")}:value`;
    await writeFile(file, calendar(line));
    const h = await createPluginHarness(new CalendarPlugin(), { credentials: { calendar_ics_path: file } });
    try {
      // This process's CPU time, as in events.test.ts: what is bounded is the work, which a loaded
      // machine slows down (here, to seconds of wall time) but never adds to.
      const cpu = process.cpuUsage();
      const result = await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
      const { user, system } = process.cpuUsage(cpu);
      expect((user + system) / 1000).toBeLessThan(5_000);
      expect(result).toMatchObject({ success: false, code: "CORTEX_CALENDAR_TOO_COMPLEX" });
      expect(result.error).toContain(`${file}: the content line starting on line 4`);
      expect(await h.health()).toMatchObject({ status: "UNHEALTHY", details: { code: "CORTEX_CALENDAR_TOO_COMPLEX" } });
    } finally {
      await h.teardown();
    }
  });

  it("keeps ical.js's message short for a broken line of any length", () => {
    const error = refusal(calendar(`BROKEN LINE WITHOUT A COLON ${"x".repeat(50_000)}`)) as Error;
    expect(error).toMatchObject({ code: "CORTEX_CALENDAR_FILE_INVALID" });
    expect(error.message.length).toBeLessThan(300);
  });
});
