import { readFileSync } from "node:fs";
import fc from "fast-check";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { calendarOf, newEvent } from "../src/events.js";
import { parseCalendars } from "../src/ical/read.js";
import { cleanText, foldLine, newCalendar, writeCalendars } from "../src/ical/write.js";
import { HOSTILE_TITLES, PROPERTY, normalizedText, physicalLines, runs, strictLines } from "./support/hostile.js";

const unfold = (text: string): string => text.replace(/\r\n[ \t]/g, "");

/** Checks RFC 5545's line rules: CRLF only, at most 75 octets, whole UTF-8 characters on each line. */
function expectWellFormed(text: string): void {
  expect(text.endsWith("\r\n")).toBe(true);
  expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n\v\f\u0085\u2028\u2029]/);
  for (const bytes of physicalLines(text)) {
    expect(bytes.length).toBeLessThanOrEqual(75);
    expect(Buffer.from(bytes.toString("utf8"), "utf8").equals(bytes), "a line ends inside a character").toBe(true);
  }
}

describe("cleanText", () => {
  it("stores every kind of line break as one LF (iCalendar's \\n)", () => {
    expect(cleanText("title", "a\r\nb\rc\nd\u2028e\u2029f\u0085g\vh\fi\tj")).toBe("a\nb\nc\nd\ne\nf\ng\nh\ni\tj");
  });

  it.each([
    ["NUL", "a\0b", "U+0000 at position 1"],
    ["ESC", "\u001b[31mred", "U+001B at position 0"],
    ["DEL", "x\u007f", "U+007F"],
    ["a C1 control", "x\u009b", "U+009B"],
  ])("refuses %s with CORTEX_CALENDAR_INVALID_TEXT naming the character", (_, text, where) => {
    expect(() => cleanText("description", text)).toThrow(
      expect.objectContaining({
        code: "CORTEX_CALENDAR_INVALID_TEXT",
        message: expect.stringContaining(`description holds the control character ${where}`) as string,
      }),
    );
  });
});

describe("foldLine", () => {
  it("folds any text into lines of at most 75 octets, never inside a character, and unfolds to it", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "é", "€", "😀", "\u0301", " "), maxLength: 400 }), (text) => {
        const line = `SUMMARY:${text}`;
        const folded = `${foldLine(line)}\r\n`;
        expectWellFormed(folded);
        expect(unfold(folded)).toBe(`${line}\r\n`);
      }),
      { ...PROPERTY, numRuns: runs(300, 150) },
    );
  });

  it("fills the first line to 75 octets and each continuation to 74 after its space", () => {
    const folded = foldLine(`SUMMARY:${"x".repeat(200)}`).split("\r\n");
    expect(folded.map((line) => line.length)).toEqual([75, 75, 60]);
    expect(folded.slice(1).every((line) => line.startsWith(" ") && !line.startsWith("  "))).toBe(true);
  });
});

describe("writeCalendars", () => {
  it("writes what ical.js writes, folded to RFC 5545's 75 octets", () => {
    const text = readFileSync(new URL("fixtures/vobject-zones.ics", import.meta.url), "utf8");
    const roots = parseCalendars(text, "fixture");
    const cal = roots[0]!;
    cal.addSubcomponent(newEvent({ title: "Ünïcödé 🗓️ ".repeat(10), start: "2026-06-01", end: "2026-06-02" }));
    const written = writeCalendars(roots);
    expectWellFormed(written);
    expect(unfold(written)).toBe(unfold(roots.map((root) => `${root.toString()}\r\n`).join("")));
  });

  it("lets no value, parameter or name another program wrote start a line of its own", () => {
    const cal = newCalendar();
    const vevent = new ICAL.Component("vevent");
    const breaks = "\r\nEND:VEVENT\rBEGIN:VEVENT\nX\u2028Y\u2029Z\u0085W\vV\fU";
    vevent.addProperty(new ICAL.Property(["summary", {}, "text", `title${breaks}`]));
    vevent.addProperty(new ICAL.Property(["x-raw", { "x-param": `p${breaks}"q` }, "unknown", `raw${breaks}\0nul`]));
    vevent.addProperty(new ICAL.Property([`x-name${breaks}`, {}, "unknown", "v"]));
    vevent.addProperty(new ICAL.Property(["url", {}, "uri", `http://x/${breaks}`]));
    cal.addSubcomponent(vevent);
    const written = writeCalendars([cal]);
    expectWellFormed(written);
    expect(written).not.toMatch(/\0/);
    expect(strictLines(written)).toEqual({ begins: ["VCALENDAR", "VEVENT"], strays: [] });
    const back = parseCalendars(written, "back")[0]!.getFirstSubcomponent("vevent")!;
    expect(back.getAllProperties()).toHaveLength(4);
    expect(back.getFirstPropertyValue("summary")).toBe(`title${normalizedText(breaks)}`);
    // A parameter's line breaks are RFC 6868's ^n, read back as LF.
    expect(written).toContain(`X-PARAM="p^nEND:VEVENT^nBEGIN:VEVENT^nX^nY^nZ^nW^nV^nU^'q"`);
    expect(back.getFirstProperty("x-raw")!.getParameter("x-param")).toBe(`p${normalizedText(breaks)}"q`);
  });

  it("writes components nested 100,000 deep without recursion (ical.js's toString overflows the stack)", () => {
    const depth = 100_000;
    const text = `BEGIN:VCALENDAR\r\n${"BEGIN:X-NEST\r\n".repeat(depth)}${"END:X-NEST\r\n".repeat(depth)}END:VCALENDAR\r\n`;
    const roots = parseCalendars(text, "deep");
    expect(() => roots[0]!.toString()).toThrow(RangeError);
    expect(writeCalendars(roots)).toBe(text);
  });

  it("writes any title read back as written (line breaks as LF), as one event, through any line-based reader", () => {
    const title = fc.oneof(
      fc.constantFrom(...HOSTILE_TITLES),
      fc.string({
        unit: fc.constantFrom(
          "a",
          ";",
          ",",
          "\\",
          ":",
          '"',
          "\r",
          "\n",
          "\r\n",
          "\u2028",
          "\u0085",
          "é",
          "😀",
          "END:VEVENT",
        ),
        minLength: 1,
        maxLength: 120,
      }),
    );
    fc.assert(
      fc.property(title, (text) => {
        const written = writeCalendars([calendarOf(newEvent({ title: text, start: "2026-06-01", end: "2026-06-01" }))]);
        expectWellFormed(written);
        expect(strictLines(written)).toEqual({ begins: ["VCALENDAR", "VEVENT"], strays: [] });
        const events = new ICAL.Component(ICAL.parse(written) as never).getAllSubcomponents("vevent");
        expect(events).toHaveLength(1);
        expect(events[0]!.getFirstPropertyValue("summary")).toBe(normalizedText(text));
      }),
      { ...PROPERTY, numRuns: runs(300, 150) },
    );
  });
});
