import { DAY, civilFromDays, daysFromCivil, daysInMonth, readTimeValue, weekdayOf } from "./times.js";

/**
 * Counts work and stops it: every loop over time in a zone charges its
 * steps here, and {@link ZoneBudget.spend} throws {@link ZoneUnusable}
 * once the allowance is gone.
 */
export class ZoneBudget {
  readonly #steps: number;
  #left: number;

  constructor(steps: number) {
    this.#steps = steps;
    this.#left = steps;
  }

  /** Takes `steps` from the allowance; throws when it is used up. */
  spend(steps: number): void {
    this.#left -= steps;
    if (this.#left < 0) throw new ZoneUnusable(`it needs more than ${this.#steps} steps of work`);
  }
}

/**
 * Why a VTIMEZONE is not used: a shape the plugin does not read, an offset
 * that is none, or more work than allowed. Its message goes into the note
 * of each event with a time in that zone.
 */
export class ZoneUnusable extends Error {}

const WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"] as const;
const BYDAY = /^([+-]?[1-5])?(SU|MO|TU|WE|TH|FR|SA)$/;
const INTEGER = /^\d{1,10}$/;

/**
 * An observance's RRULE, in the shape real time zones use: `FREQ=YEARLY`
 * with `BYMONTH` and `BYDAY` (`-1SU`, `2SU`) or `BYMONTHDAY`, optionally
 * `INTERVAL`, `COUNT`, `UNTIL`. Every other shape (another frequency,
 * `BYHOUR`, `BYSETPOS`, …) is refused with {@link ZoneUnusable}: a
 * transition rule that fires every minute is not a time zone.
 */
export interface YearlyRule {
  readonly interval: number;
  readonly count: number | undefined;
  /** Local seconds of the last allowed onset (inclusive). */
  readonly until: number | undefined;
  readonly months: readonly number[];
  /** Bit `d` set: day `d` of the month (`BYMONTHDAY=d`). */
  readonly monthDays: number;
  /** Bit `d` set: the `d`-th last day of the month (`BYMONTHDAY=-d`). Both zero: any day. */
  readonly monthDaysFromEnd: number;
  /** Bit per weekday (0 = Sunday) for entries without an ordinal. */
  readonly anyWeekday: number;
  /** Per weekday, bit `n` for `nXX`, bit `5 + n` for `-nXX`. */
  readonly nthWeekday: readonly number[];
  readonly byDay: boolean;
}

function refuse(reason: string): never {
  throw new ZoneUnusable(reason);
}

function integers(text: string, part: string, min: number, max: number): number[] {
  return text.split(",").map((item) => {
    const value = Number(item);
    if (!/^[+-]?\d{1,2}$/.test(item) || value < min || value > max || value === 0)
      refuse(`RRULE ${part}=${item.slice(0, 20)} is not read`);
    return value;
  });
}

/**
 * Reads an observance's RRULE text (`FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`) for
 * an observance starting at local second `start`; `offsetFrom` turns a UTC
 * UNTIL into local time. Throws {@link ZoneUnusable} for any other shape.
 */
export function readYearlyRule(text: string, start: number, offsetFrom: number): YearlyRule {
  let freq: string | undefined;
  let interval = 1;
  let count: number | undefined;
  let until: number | undefined;
  let months: number[] | undefined;
  let monthDays = 0;
  let monthDaysFromEnd = 0;
  let anyWeekday = 0;
  const nthWeekday = [0, 0, 0, 0, 0, 0, 0];
  let byDay = false;
  const seen = new Set<string>();
  for (const part of text.split(";")) {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).toUpperCase();
    const value = part.slice(eq + 1);
    if (eq <= 0 || seen.has(name)) refuse(`RRULE part "${part.slice(0, 40)}" is not read`);
    seen.add(name);
    if (name === "FREQ") freq = value;
    else if (name === "INTERVAL" || name === "COUNT") {
      if (!INTEGER.test(value) || Number(value) < 1 || Number(value) > 2 ** 31 - 1)
        refuse(`RRULE ${name}=${value.slice(0, 20)} is not read`);
      if (name === "INTERVAL") interval = Number(value);
      else count = Number(value);
    } else if (name === "UNTIL") {
      const time = readTimeValue(value);
      if (time === undefined) refuse(`RRULE UNTIL=${value.slice(0, 20)} is not a date`);
      until = time.isDate ? time.seconds + DAY - 1 : time.utc ? time.seconds + offsetFrom : time.seconds;
    } else if (name === "BYMONTH") months = [...new Set(integers(value, name, 1, 12))].sort((a, b) => a - b);
    else if (name === "BYMONTHDAY") {
      for (const d of integers(value, name, -31, 31)) {
        if (d > 0) monthDays |= 1 << d;
        else monthDaysFromEnd |= 1 << -d;
      }
    } else if (name === "BYDAY") {
      byDay = true;
      for (const item of value.split(",")) {
        const m = BYDAY.exec(item.toUpperCase());
        if (m === null) refuse(`RRULE BYDAY=${item.slice(0, 20)} is not read`);
        const weekday = WEEKDAYS.indexOf(m[2] as (typeof WEEKDAYS)[number]);
        const n = m[1] === undefined ? 0 : Number(m[1]);
        if (n === 0) anyWeekday |= 1 << weekday;
        else nthWeekday[weekday]! |= 1 << (n > 0 ? n : 5 - n);
      }
    } else if (name !== "WKST") refuse(`RRULE part ${name.slice(0, 20)} is not read`);
  }
  if (freq !== "YEARLY") refuse(`RRULE FREQ=${(freq ?? "").slice(0, 20)} is not a yearly rule`);
  if (months === undefined) {
    // Without BYMONTH, BYDAY and BYMONTHDAY would range over the whole year.
    if (byDay || monthDays !== 0 || monthDaysFromEnd !== 0)
      refuse("RRULE BYDAY or BYMONTHDAY without BYMONTH is not read");
    months = [civilFromDays(Math.floor(start / DAY))[1]];
  }
  if (!byDay && monthDays === 0 && monthDaysFromEnd === 0) monthDays = 1 << civilFromDays(Math.floor(start / DAY))[2];
  return { interval, count, until, months, monthDays, monthDaysFromEnd, anyWeekday, nthWeekday, byDay };
}

/** Whether day `d` of a month with `length` days, falling on `weekday`, matches the rule. */
function matches(rule: YearlyRule, d: number, length: number, weekday: number): boolean {
  if ((rule.monthDays | rule.monthDaysFromEnd) !== 0) {
    if (((rule.monthDays >>> d) & 1) === 0 && ((rule.monthDaysFromEnd >>> (length - d + 1)) & 1) === 0) return false;
  }
  if (!rule.byDay) return true;
  if ((rule.anyWeekday >> weekday) & 1) return true;
  const nth = rule.nthWeekday[weekday]!;
  return ((nth >> Math.ceil(d / 7)) & 1) === 1 || ((nth >> (5 + Math.floor((length - d) / 7) + 1)) & 1) === 1;
}

/** The rule's onset days in `year` (day counts, ascending), charging each day examined to `budget`. */
export function onsetDays(rule: YearlyRule, year: number, budget: ZoneBudget): number[] {
  const days: number[] = [];
  for (const month of rule.months) {
    const length = daysInMonth(year, month);
    budget.spend(length);
    const first = daysFromCivil(year, month, 1);
    for (let d = 1; d <= length; d += 1) {
      if (matches(rule, d, length, weekdayOf(first + d - 1))) days.push(first + d - 1);
    }
  }
  return days;
}
