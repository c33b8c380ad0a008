import { readFileSync } from "node:fs";
import fc from "fast-check";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { CALENDAR_LIMITS } from "../src/defaults.js";
import { parseCalendars } from "../src/ical/read.js";
import { DAY, civilFromDays, daysFromCivil } from "../src/ical/times.js";
import { zoneOf } from "../src/ical/zones.js";
import { PROPERTY, runs } from "./support/hostile.js";

const CRLF = "\r\n";
const calendarOf = (zones: string): ICAL.Component =>
  parseCalendars(`BEGIN:VCALENDAR${CRLF}VERSION:2.0${CRLF}PRODID:x${CRLF}${zones}END:VCALENDAR${CRLF}`, "test")[0]!;
const vtimezone = (tzid: string, ...observances: string[]): string =>
  `BEGIN:VTIMEZONE${CRLF}TZID:${tzid}${CRLF}${observances.join("")}END:VTIMEZONE${CRLF}`;
const observance = (kind: string, lines: string[]): string =>
  `BEGIN:${kind}${CRLF}${lines.join(CRLF)}${CRLF}END:${kind}${CRLF}`;

/** ical.js's reading of a benign zone: the reference the plugin's reader must agree with. */
const icalZone = (vtz: ICAL.Component): ICAL.Timezone =>
  new ICAL.Timezone({ component: vtz, tzid: String(vtz.getFirstPropertyValue("tzid")) });

function icalOffset(zone: ICAL.Timezone, local: number): number {
  const days = Math.floor(local / DAY);
  const [year, month, day] = civilFromDays(days);
  const rest = local - days * DAY;
  const time = ICAL.Time.fromData({
    year,
    month,
    day,
    hour: Math.floor(rest / 3600),
    minute: Math.floor(rest / 60) % 60,
    second: rest % 60,
  });
  return zone.utcOffset(time);
}

const at = (y: number, m: number, d: number, h = 12): number => daysFromCivil(y, m, d) * DAY + h * 3600;

describe("Zone", () => {
  // VTIMEZONEs written by vobject from the tz database (test/fixtures): yearly rules, UNTIL
  // segments, rules that start before they end, offsets from -05 to +13.
  const fixture = parseCalendars(readFileSync(new URL("fixtures/vobject-zones.ics", import.meta.url), "utf8"), "f")[0]!;

  it.each(fixture.getAllSubcomponents("vtimezone").map((vtz) => [String(vtz.getFirstPropertyValue("tzid")), vtz]))(
    "gives the offsets ical.js gives for %s, at any time from 2006 to 2045",
    (tzid, vtz) => {
      const zone = zoneOf(fixture, tzid)!;
      const reference = icalZone(vtz);
      fc.assert(
        fc.property(fc.integer({ min: at(2006, 1, 1, 0), max: at(2045, 1, 1, 0) }), (local) => {
          expect(zone.offsetAt(local)).toBe(icalOffset(reference, local));
        }),
        { ...PROPERTY, numRuns: runs(400, 200) },
      );
    },
  );

  // Each with the first year from which ical.js knows the zone (it gives 0 before, and skips
  // an observance's DTSTART when the observance has RDATEs but no RRULE).
  const benign: [string, string, number][] = [
    [
      "Outlook's 1601 start",
      vtimezone(
        "W. Europe Standard Time",
        observance("STANDARD", [
          "DTSTART:16010101T030000",
          "TZOFFSETFROM:+0200",
          "TZOFFSETTO:+0100",
          "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
        ]),
        observance("DAYLIGHT", [
          "DTSTART:16010101T020000",
          "TZOFFSETFROM:+0100",
          "TZOFFSETTO:+0200",
          "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
        ]),
      ),
      1990,
    ],
    [
      "week-of-month days (BYMONTHDAY=8..14;BYDAY=SU) with UNTIL",
      vtimezone(
        "US-Eastern",
        observance("DAYLIGHT", [
          "DTSTART:19870405T020000",
          "TZOFFSETFROM:-0500",
          "TZOFFSETTO:-0400",
          "RRULE:FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=1,2,3,4,5,6,7;BYDAY=SU;UNTIL=20060402T070000Z",
        ]),
        observance("DAYLIGHT", [
          "DTSTART:20070311T020000",
          "TZOFFSETFROM:-0500",
          "TZOFFSETTO:-0400",
          "RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU",
        ]),
        observance("STANDARD", [
          "DTSTART:19671029T020000",
          "TZOFFSETFROM:-0400",
          "TZOFFSETTO:-0500",
          "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z",
        ]),
        observance("STANDARD", [
          "DTSTART:20071104T020000",
          "TZOFFSETFROM:-0400",
          "TZOFFSETTO:-0500",
          "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
        ]),
      ),
      1990,
    ],
    [
      "RDATE lists (a tzurl-style history)",
      vtimezone(
        "History",
        observance("DAYLIGHT", [
          "DTSTART:20000326T020000",
          "TZOFFSETFROM:+0100",
          "TZOFFSETTO:+0200",
          "RDATE:20010325T020000",
          "RDATE:20020331T020000",
          "RDATE:20030330T020000",
        ]),
        observance("STANDARD", [
          "DTSTART:20001029T030000",
          "TZOFFSETFROM:+0200",
          "TZOFFSETTO:+0100",
          "RDATE:20011028T030000",
          "RDATE:20021027T030000",
          "RDATE:20031026T030000",
        ]),
      ),
      2002,
    ],
    [
      "COUNT and INTERVAL",
      vtimezone(
        "Counted",
        observance("DAYLIGHT", [
          "DTSTART:20100328T020000",
          "TZOFFSETFROM:+0100",
          "TZOFFSETTO:+0200",
          "RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=5;BYMONTH=3;BYDAY=-1SU",
        ]),
        observance("STANDARD", [
          "DTSTART:20101031T030000",
          "TZOFFSETFROM:+0200",
          "TZOFFSETTO:+0100",
          "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        ]),
      ),
      2011,
    ],
  ];

  it.each(benign)("gives the offsets ical.js gives for %s", (_, text, from) => {
    const cal = calendarOf(text);
    const vtz = cal.getFirstSubcomponent("vtimezone")!;
    const zone = zoneOf(cal, String(vtz.getFirstPropertyValue("tzid")))!;
    const reference = icalZone(vtz);
    fc.assert(
      fc.property(fc.integer({ min: at(from, 1, 1, 0), max: at(2040, 1, 1, 0) }), (local) => {
        expect(zone.offsetAt(local)).toBe(icalOffset(reference, local));
      }),
      { ...PROPERTY, numRuns: runs(400, 200) },
    );
  });

  it("answers for any year of 0000–9999 without expanding the years between", () => {
    const cal = calendarOf(benign[0]![1]);
    const zone = zoneOf(cal, "W. Europe Standard Time")!;
    expect(zone.offsetAt(at(9999, 7, 1))).toBe(7200);
    expect(zone.offsetAt(at(9999, 12, 31))).toBe(3600);
    // Before its first onset a zone has the earliest onset's TZOFFSETFROM (here DAYLIGHT's).
    expect(zone.offsetAt(at(0, 7, 1))).toBe(3600);
  });

  it("counts an observance's DTSTART as its first onset beside RDATEs, and every value of an RDATE list", () => {
    // ical.js reads neither: only the first value of each RDATE, and no DTSTART beside them.
    const history = benign[2]![1].replace(
      `RDATE:20021027T030000${CRLF}RDATE:20031026T030000`,
      "RDATE:20021027T030000,20031026T030000",
    );
    expect(history).not.toContain("RDATE:20031026T030000");
    const cal = calendarOf(history);
    const zone = zoneOf(cal, "History")!;
    expect(zone.offsetAt(at(2000, 7, 1))).toBe(7200);
    expect(zone.offsetAt(at(2000, 12, 1))).toBe(3600);
    expect(zone.offsetAt(at(2003, 11, 1))).toBe(3600);
  });

  it("uses the first VTIMEZONE of a TZID, ignores nested ones, and knows only its own calendar's", () => {
    const fixed = (tzid: string, offset: string, nested = ""): string =>
      vtimezone(
        tzid,
        observance("STANDARD", ["DTSTART:19700101T000000", `TZOFFSETFROM:${offset}`, `TZOFFSETTO:${offset}`]) + nested,
      );
    const cal = calendarOf(fixed("A", "+0300", fixed("A", "+0900")) + fixed("A", "-0700") + fixed("B", "+0100"));
    expect(zoneOf(cal, "A")!.offsetAt(at(2026, 6, 1))).toBe(3 * 3600);
    expect(zoneOf(cal, "B")!.offsetAt(at(2026, 6, 1))).toBe(3600);
    expect(zoneOf(cal, "C")).toBeUndefined();
    expect(zoneOf(calendarOf(""), "A")).toBeUndefined();
  });

  const hostile: [string, string, string][] = [
    ["FREQ=MINUTELY", "RRULE:FREQ=MINUTELY", "RRULE FREQ=MINUTELY is not a yearly rule"],
    ["FREQ=SECONDLY;INTERVAL=1", "RRULE:FREQ=SECONDLY;INTERVAL=1", "RRULE FREQ=SECONDLY is not a yearly rule"],
    ["FREQ=DAILY;COUNT=2147483647", "RRULE:FREQ=DAILY;COUNT=2147483647", "RRULE FREQ=DAILY is not a yearly rule"],
    ["BYSECOND lists", `RRULE:FREQ=YEARLY;BYSECOND=${[...Array(60).keys()].join(",")}`, "BYSECOND is not read"],
    ["BYMINUTE lists", "RRULE:FREQ=YEARLY;BYMONTH=3;BYMINUTE=0,1,2,3", "BYMINUTE is not read"],
    ["BYHOUR lists", "RRULE:FREQ=YEARLY;BYMONTH=3;BYHOUR=0,1,2,3", "BYHOUR is not read"],
    ["BYYEARDAY", "RRULE:FREQ=YEARLY;BYYEARDAY=1,100,200", "BYYEARDAY is not read"],
    ["BYWEEKNO", "RRULE:FREQ=YEARLY;BYWEEKNO=1,20", "BYWEEKNO is not read"],
    ["BYSETPOS", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=SU;BYSETPOS=-1", "BYSETPOS is not read"],
    ["BYDAY over the whole year", "RRULE:FREQ=YEARLY;BYDAY=MO", "without BYMONTH"],
    ["BYDAY=53MO", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=53MO", "BYDAY=53MO is not read"],
    ["COUNT counted over 10,000 years", "RRULE:FREQ=YEARLY;COUNT=2147483647;BYMONTH=1", "steps of work"],
    [
      "every day of every month, counted",
      `RRULE:FREQ=YEARLY;COUNT=2147483647;BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=${[...Array(31).keys()].map((d) => d + 1).join(",")}`,
      "steps of work",
    ],
    [
      "a 20,000-value RDATE",
      `RDATE:${Array.from({ length: 20_000 }, (_, i) => `2000${i % 2 ? "03" : "10"}01T020000`).join(",")}`,
      "steps of work",
    ],
  ];

  it.each(hostile)("does not use a zone whose observance has %s, and says why", (_, line, reason) => {
    const cal = calendarOf(
      vtimezone(
        "Evil",
        observance("STANDARD", ["DTSTART:00000101T000000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", line]),
      ),
    );
    const zone = zoneOf(cal, "Evil")!;
    expect(zone.offsetAt(at(9999, 6, 1))).toEqual(expect.stringContaining(reason));
    // Once found unusable it stays so, at no cost.
    expect(zone.offsetAt(at(2026, 6, 1))).toEqual(expect.stringContaining(reason));
  });

  it.each(["+2400", "+0960", "0100", "+01", "-99999", "garbage"])(
    "does not use a zone with TZOFFSETTO %s",
    (offset) => {
      const cal = calendarOf(
        vtimezone(
          "Odd",
          observance("STANDARD", ["DTSTART:19700101T000000", "TZOFFSETFROM:+0100", `TZOFFSETTO:${offset}`]),
        ),
      );
      expect(zoneOf(cal, "Odd")!.offsetAt(at(2026, 6, 1))).toEqual(expect.stringContaining("is not a UTC offset"));
    },
  );

  it(`does not use a zone of more observances than ${CALENDAR_LIMITS.zoneSteps} steps allow`, () => {
    const many = Array.from({ length: CALENDAR_LIMITS.zoneSteps }, (_, i) =>
      observance("STANDARD", [
        `DTSTART:${String(1 + (i % 9000)).padStart(4, "0")}0101T000000`,
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
      ]),
    );
    const cal = calendarOf(vtimezone("Many", ...many));
    expect(zoneOf(cal, "Many")!.offsetAt(at(2026, 6, 1))).toEqual(expect.stringContaining("steps of work"));
  });

  it("resolves times in a zone of the most expensive rules it allows within its step budget", () => {
    // Rules of every day of every month: each year examined costs 372 steps per observance.
    const everyDay = `BYMONTH=1,2,3,4,5,6,7,8,9,10,11,12;BYMONTHDAY=${[...Array(31).keys()].map((d) => d + 1).join(",")}`;
    const rules = Array.from({ length: 20 }, (_, i) =>
      observance(i % 2 ? "STANDARD" : "DAYLIGHT", [
        `DTSTART:19700101T${String(i).padStart(2, "0")}0000`,
        `TZOFFSETFROM:+0${i % 2 ? 2 : 1}00`,
        `TZOFFSETTO:+0${i % 2 ? 1 : 2}00`,
        `RRULE:FREQ=YEARLY;${everyDay}`,
      ]),
    );
    const cal = calendarOf(vtimezone("Costly", ...rules));
    const zone = zoneOf(cal, "Costly")!;
    fc.assert(
      fc.property(fc.integer({ min: at(1971, 1, 1), max: at(9999, 1, 1) }), (local) => {
        expect(typeof zone.offsetAt(local)).toBe("number");
      }),
      { ...PROPERTY, numRuns: runs(300, 100) },
    );
  });
});
