import fc from "fast-check";

// Hostile calendars: every shape that makes a naive reader loop over time
// (zone expansion, recurrence expansion, duration normalization) or over
// its input (many parameters, long lines, deep nesting), within what
// ical.js still parses.

/** fast-check's seed: fixed when `CI` is set, random otherwise (printed, so a failure can be replayed). */
export const SEED = process.env.CI ? 20_260_601 : Math.floor(Math.random() * 2 ** 31);

/**
 * What every property test here runs with: the seed, and in CI no shrinking. A failure found on a
 * loaded CI machine is reported as found, with its seed to replay locally (where shrinking runs),
 * instead of shrinking against a slow machine until the test's time runs out and hides it.
 */
export const PROPERTY = { seed: SEED, endOnFailure: Boolean(process.env.CI) };

/** Runs of a property test: a few in CI's fixed seed, more locally. */
export function runs(local: number, ci = Math.max(1, Math.floor(local / 2))): number {
  return process.env.CI ? ci : local;
}

const CRLF = "\r\n";
const FREQS = ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"] as const;
const DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");
const range = (from: number, to: number, step = 1): number[] =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

/** A year anywhere in 0000–9999, biased to the edges and to now. */
const year = fc.oneof(fc.constantFrom(0, 1, 1601, 1970, 2026, 9998, 9999), fc.integer({ min: 0, max: 9999 }));

/** A local DATE-TIME in basic form (`20260601T100000`). */
const localDateTime = fc
  .tuple(year, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 23 }))
  .map(([y, m, d, h]) => `${pad(y, 4)}${pad(m)}${pad(d)}T${pad(h)}0000`);

const list = (values: readonly (number | string)[]): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(values.join(",")),
    fc.subarray([...values], { minLength: 1 }).map((items) => items.join(",")),
  );

/** An RRULE value of any frequency with BY-parts ical.js accepts, including full lists and far COUNT/UNTIL. */
const rrule: fc.Arbitrary<string> = fc
  .record(
    {
      freq: fc.constantFrom(...FREQS),
      interval: fc.constantFrom("1", "2", "7", "2147483647"),
      end: fc.oneof(
        fc.constant(""),
        fc.constantFrom("COUNT=2147483647", "COUNT=1000000", "COUNT=3"),
        localDateTime.map((t) => `UNTIL=${t}Z`),
        fc.constant("UNTIL=99991231T235959Z"),
      ),
      bysecond: list(range(0, 59)),
      byminute: list(range(0, 59)),
      byhour: list(range(0, 23)),
      byday: fc.oneof(list(DAYS), list(["1SU", "-1SU", "2MO", "53MO", "-53FR", "+5TH"])),
      bymonthday: list([...range(1, 31), ...range(-31, -1)]),
      byyearday: list([1, 100, 366, -1, -366]),
      byweekno: list([1, 20, 53, -1, -53]),
      bymonth: list(range(1, 12)),
      bysetpos: list([1, -1, 366, -366]),
    },
    { requiredKeys: ["freq"] },
  )
  .map(({ freq, ...parts }) => {
    let text = `FREQ=${freq}`;
    for (const [key, value] of Object.entries(parts)) {
      if (key === "end") text += value === "" ? "" : `;${value}`;
      else if (key === "interval") text += `;INTERVAL=${value}`;
      else text += `;${key.toUpperCase()}=${value}`;
    }
    return text;
  });

/** A UTC offset, sane or not (ical.js parses them all). */
const offset = fc.constantFrom(
  "+0100",
  "-0500",
  "+0000",
  "-0000",
  "+1400",
  "-1200",
  "+2359",
  "+9999",
  "-9959",
  "+0130",
);

/** One STANDARD or DAYLIGHT observance, with a hostile RRULE, a long RDATE list or both. */
const observance: fc.Arbitrary<string> = fc
  .record({
    kind: fc.constantFrom("STANDARD", "DAYLIGHT"),
    start: localDateTime,
    from: offset,
    to: offset,
    rule: fc.option(rrule, { nil: undefined }),
    rdates: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
    nested: fc.boolean(),
  })
  .map(({ kind, start, from, to, rule, rdates, nested }) => {
    let text = `BEGIN:${kind}${CRLF}DTSTART:${start}${CRLF}TZOFFSETFROM:${from}${CRLF}TZOFFSETTO:${to}${CRLF}`;
    if (rule !== undefined) text += `RRULE:${rule}${CRLF}`;
    if (rdates !== undefined) {
      const values = range(0, rdates - 1).map((i) => `${pad(1 + (i % 9999), 4)}0301T020000`);
      text += `RDATE:${values.join(",")}${CRLF}`;
    }
    if (nested) text += `BEGIN:VTIMEZONE${CRLF}TZID:inner${CRLF}END:VTIMEZONE${CRLF}`;
    return `${text}END:${kind}${CRLF}`;
  });

/** A VTIMEZONE named `tzid` with one to four observances. */
const vtimezone = (tzid: string): fc.Arbitrary<string> =>
  fc
    .array(observance, { minLength: 1, maxLength: 4 })
    .map((parts) => `BEGIN:VTIMEZONE${CRLF}TZID:${tzid}${CRLF}${parts.join("")}END:VTIMEZONE${CRLF}`);

/** A huge (or negative, or zero) DURATION in any unit. */
const duration = fc
  .tuple(
    fc.constantFrom("", "-", "+"),
    fc.constantFrom("99999999999", "9007199254740993", "1", "0", "99999999999999999999999999"),
    fc.constantFrom("W", "D", "TH", "TM", "TS", "DT1H", "DT99999999999S"),
  )
  .map(([sign, n, unit]) => (unit.startsWith("T") ? `${sign}PT${n}${unit.slice(1)}` : `${sign}P${n}${unit}`));

/** What a hostile calendar is made of; `uid` names the event a test lists, changes and deletes. */
export interface HostileCalendar {
  uid: string;
  text: string;
}

/**
 * A VCALENDAR with hostile VTIMEZONEs (some duplicated under one TZID) and
 * one event `uid` that uses them, with far or huge times, its own hostile
 * RRULE, RDATE/EXDATE lists, exceptions, many properties, a long line or a
 * deep nest of components.
 */
export const hostileCalendar: fc.Arbitrary<HostileCalendar> = fc
  .record({
    zones: fc.array(vtimezone("Hostile"), { minLength: 1, maxLength: 3 }),
    start: fc.oneof(
      localDateTime.map((t) => `;TZID=Hostile:${t}`),
      localDateTime.map((t) => `:${t}Z`),
      localDateTime.map((t) => `;VALUE=DATE:${t.slice(0, 8)}`),
      localDateTime.map((t) => `;TZID=Missing:${t}`),
    ),
    end: fc.oneof(
      localDateTime.map((t) => `DTEND;TZID=Hostile:${t}`),
      localDateTime.map((t) => `DTEND:${t}Z`),
      duration.map((d) => `DURATION:${d}`),
      fc.constant(""),
    ),
    rule: fc.option(rrule, { nil: undefined }),
    rdates: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
    exception: fc.boolean(),
    properties: fc.constantFrom(0, 10, 5000),
    longLine: fc.constantFrom(0, 1000, 300_000),
    depth: fc.constantFrom(0, 3, 2000),
  })
  .map(({ zones, start, end, rule, rdates, exception, properties, longLine, depth }) => {
    const uid = "hostile-event";
    let event = `BEGIN:VEVENT${CRLF}UID:${uid}${CRLF}DTSTAMP:20260101T000000Z${CRLF}DTSTART${start}${CRLF}`;
    if (end !== "") event += `${end}${CRLF}`;
    event += `SUMMARY:Hostile${CRLF}`;
    if (rule !== undefined) event += `RRULE:${rule}${CRLF}`;
    if (rdates !== undefined) {
      const values = range(0, rdates - 1).map((i) => `${pad(1 + (i % 9999), 4)}0601T100000Z`);
      event += `RDATE:${values.join(",")}${CRLF}EXDATE:${values.join(",")}${CRLF}`;
    }
    event += fillers(properties, longLine);
    event += `BEGIN:X-NEST${CRLF}`.repeat(depth) + `END:X-NEST${CRLF}`.repeat(depth);
    event += `END:VEVENT${CRLF}`;
    if (exception) {
      event += `BEGIN:VEVENT${CRLF}UID:${uid}${CRLF}DTSTAMP:20260101T000000Z${CRLF}RECURRENCE-ID${start}${CRLF}`;
      event += `DTSTART${start}${CRLF}DURATION:P99999999999D${CRLF}END:VEVENT${CRLF}`;
    }
    return { uid, text: wrap(zones.join("") + event) };
  });

function fillers(properties: number, longLine: number): string {
  let text = "";
  for (let i = 0; i < properties; i += 1) text += `X-FILLER-${i};X-P=${i}:value ${i}${CRLF}`;
  if (longLine > 0) text += `DESCRIPTION:${"long line; with, separators: = \\n ".repeat(longLine / 30)}${CRLF}`;
  return text;
}

const wrap = (body: string): string =>
  `BEGIN:VCALENDAR${CRLF}VERSION:2.0${CRLF}PRODID:-//Hostile//EN${CRLF}${body}END:VCALENDAR${CRLF}`;

/**
 * The part of {@link hostileCalendar} a CalDAV server stores and answers
 * in time: Radicale (Python) refuses years before 0001, offsets past 24 h,
 * times past 9999, a TZID without VTIMEZONE and many rule shapes, and
 * spends minutes indexing a finite rule of billions of occurrences. What
 * is left is what ical.js expanded without end: VTIMEZONE rules of every
 * frequency, with BY-part lists, from any year, beside long RDATE lists.
 */
export const storableHostileCalendar: fc.Arbitrary<HostileCalendar> = fc
  .record({
    freq: fc.constantFrom(...FREQS),
    part: fc.constantFrom(
      "",
      `;BYSECOND=${range(0, 59).join(",")}`,
      `;BYMINUTE=${range(0, 59).join(",")}`,
      `;BYHOUR=${range(0, 23).join(",")}`,
      `;BYDAY=${DAYS.join(",")}`,
      `;BYMONTHDAY=${range(1, 28).join(",")}`,
    ),
    since: fc.constantFrom("16010101T000000", "19700101T000000", "20260101T000000"),
    rdates: fc.constantFrom(0, 500),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 22 }),
    properties: fc.constantFrom(0, 1000),
    longLine: fc.constantFrom(0, 100_000),
  })
  .map(({ freq, part, since, rdates, month, day, hour, properties, longLine }) => {
    const uid = "hostile-event";
    const rdate =
      rdates === 0
        ? ""
        : `RDATE:${range(0, rdates - 1)
            .map((i) => `${1900 + (i % 200)}0301T020000`)
            .join(",")}${CRLF}`;
    const zone =
      `BEGIN:VTIMEZONE${CRLF}TZID:Hostile${CRLF}BEGIN:STANDARD${CRLF}DTSTART:${since}${CRLF}TZOFFSETFROM:+0100${CRLF}` +
      `TZOFFSETTO:+0200${CRLF}RRULE:FREQ=${freq}${part}${CRLF}${rdate}END:STANDARD${CRLF}END:VTIMEZONE${CRLF}`;
    const date = `2026${pad(month)}${pad(day)}`;
    const event =
      `BEGIN:VEVENT${CRLF}UID:${uid}${CRLF}DTSTAMP:20260101T000000Z${CRLF}DTSTART;TZID=Hostile:${date}T${pad(hour)}0000${CRLF}` +
      `DTEND;TZID=Hostile:${date}T${pad(hour + 1)}0000${CRLF}SUMMARY:Hostile${CRLF}${fillers(properties, longLine)}END:VEVENT${CRLF}`;
    return { uid, text: wrap(zone + event) };
  });

/** Titles that try to end the event and start another, in every way a parser might split lines. */
export const HOSTILE_TITLES = [
  "Lunch\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected\r\nSUMMARY:Injected",
  "Lunch\rEND:VEVENT\rBEGIN:VEVENT\rUID:injected-cr",
  "Lunch\nEND:VEVENT\nBEGIN:VEVENT\nUID:injected-lf",
  "Lunch\u2028END:VEVENT\u2028BEGIN:VEVENT\u2028UID:injected-ls",
  "Lunch\u2029END:VCALENDAR\u0085BEGIN:VCALENDAR\u000bX:1\u000cY:2",
  'Semi;colon, comma\\ backslash: colon "quote" ^caret',
  "Ünïcödé 🗓️ ".repeat(20),
] as const;

/** What the plugin stores for a title: every line break becomes one LF. */
export const normalizedText = (text: string): string => text.replace(/\r\n|[\n\v\f\r\u0085\u2028\u2029]/g, "\n");

// Every character some program treats as the end of a line.
const ANY_LINE_BREAK = /\r\n|[\n\v\f\r\u0085\u2028\u2029]/;

/**
 * Reads iCalendar text the strictest way a line-based program might: any
 * line break of any kind ends a line. Returns the BEGIN/END structure it
 * sees and the lines that are neither a property, a component boundary
 * nor a continuation. A well-escaped file has no such line.
 */
export function strictLines(text: string): { begins: string[]; strays: string[] } {
  const begins: string[] = [];
  const strays: string[] = [];
  for (const line of text.split(ANY_LINE_BREAK)) {
    if (line === "" || line.startsWith(" ") || line.startsWith("\t")) continue;
    if (line.startsWith("BEGIN:")) begins.push(line.slice(6));
    else if (!/^[A-Z0-9-]+[;:]/.test(line)) strays.push(line);
  }
  return { begins, strays };
}

/** Physical lines of iCalendar text (split at CRLF only), as bytes: what RFC 5545's 75-octet rule counts. */
export function physicalLines(text: string): Buffer[] {
  return text
    .split("\r\n")
    .filter((line) => line !== "")
    .map((line) => Buffer.from(line, "utf8"));
}
