import ICAL from "ical.js";
import { CALENDAR_LIMITS } from "../defaults.js";
import { DAY, civilFromDays, readTimeValue } from "./times.js";
import { ZoneBudget, ZoneUnusable, onsetDays, readYearlyRule, type YearlyRule } from "./zone-rules.js";

type Component = ICAL.Component;

// ical.js resolves a VTIMEZONE by expanding every transition from the
// observance's DTSTART to five years past the time asked for, synchronously
// and without a limit: one RRULE:FREQ=MINUTELY freezes the process for
// minutes. Zones are therefore read here, never by ical.js: only the years
// around the time asked for are examined, and every step is counted.

/** One onset of an observance: its local start (in the offset before it) and the offset after it. */
interface Transition {
  /** Local seconds from which the new offset applies (see `keyOf`). */
  readonly key: number;
  readonly offset: number;
}

interface RuleObservance {
  readonly start: number;
  readonly timeOfDay: number;
  readonly from: number;
  readonly to: number;
  readonly rule: YearlyRule;
  /** COUNT bookkeeping: onsets counted through `countedYear`, and the last allowed onset once known. */
  counted: number;
  countedYear: number;
  countEnd: number | undefined;
  /** The onset days of the last few years examined. */
  readonly cache: Map<number, number[]>;
}

// A local time is in the new offset from the earlier of its two readings of
// the onset (as ical.js decides): at the onset itself when clocks go forward,
// one gap earlier when they go back.
const keyOf = (onset: number, from: number, to: number): number => onset + Math.min(0, to - from);

// Reading a value (a regular expression and a few numbers) costs about what examining four days does.
const STEPS_PER_VALUE = 4;

const OFFSET = /^([+-])(\d{2}):?(\d{2})(?::?(\d{2}))?$/;

function readOffset(value: unknown, what: string): number {
  const m = typeof value === "string" ? OFFSET.exec(value) : null;
  const [hours, minutes, seconds] = (m?.slice(2) ?? []).map((part) => Number(part ?? 0));
  if (m === null || hours! > 23 || minutes! > 59 || seconds! > 59) {
    throw new ZoneUnusable(`${what} ${JSON.stringify(String(value).slice(0, 20))} is not a UTC offset`);
  }
  return (m[1] === "-" ? -1 : 1) * (hours! * 3600 + minutes! * 60 + seconds!);
}

const valueOf = (component: Component, name: string): unknown => component.getFirstProperty(name)?.jCal[3];

/**
 * A VTIMEZONE read within bounds: the offset of any local time costs at
 * most `CALENDAR_LIMITS.zoneSteps` steps (and building the zone as much), or
 * the zone says it is unusable. Only the VTIMEZONE's own STANDARD and
 * DAYLIGHT observances count (no nested or global definitions).
 */
export class Zone {
  readonly #transitions: Transition[] = [];
  readonly #rules: RuleObservance[] = [];
  #firstOffset = 0;
  #problem: string | undefined;

  constructor(vtimezone: Component) {
    try {
      this.#read(vtimezone, new ZoneBudget(CALENDAR_LIMITS.zoneSteps));
    } catch (error) {
      if (!(error instanceof ZoneUnusable)) throw error;
      this.#problem = error.message;
    }
  }

  /**
   * The UTC offset in seconds at local second `local`, or a string saying why
   * the zone is not usable. A zone that runs out of steps once stays unusable.
   */
  offsetAt(local: number): number | string {
    if (this.#problem !== undefined) return this.#problem;
    try {
      return this.#offsetAt(local, new ZoneBudget(CALENDAR_LIMITS.zoneSteps));
    } catch (error) {
      if (!(error instanceof ZoneUnusable)) throw error;
      this.#problem = error.message;
      return this.#problem;
    }
  }

  #read(vtimezone: Component, budget: ZoneBudget): void {
    let first: { start: number; from: number } | undefined;
    for (const observance of vtimezone.getAllSubcomponents()) {
      budget.spend(STEPS_PER_VALUE);
      if (observance.name !== "standard" && observance.name !== "daylight") continue;
      const dtstart = readTimeValue(valueOf(observance, "dtstart"));
      const fromValue = valueOf(observance, "tzoffsetfrom");
      const toValue = valueOf(observance, "tzoffsetto");
      if (dtstart === undefined || fromValue === undefined || toValue === undefined) continue;
      const from = readOffset(fromValue, "TZOFFSETFROM");
      const to = readOffset(toValue, "TZOFFSETTO");
      const start = dtstart.seconds;
      const rrule = observance.getFirstProperty("rrule");
      let rule: YearlyRule | undefined;
      if (rrule !== null) {
        const text = String(ICAL.stringify.value(rrule.jCal[3] as never, "recur", ICAL.design.icalendar, false));
        budget.spend(Math.ceil(text.length / 64));
        rule = readYearlyRule(text, start, from);
      }
      if (first === undefined || start < first.start) first = { start, from };
      // DTSTART is the first onset, unless the rule ends before it.
      if (rule?.until === undefined || start <= rule.until) {
        this.#transitions.push({ key: keyOf(start, from, to), offset: to });
      }
      for (const rdate of observance.getAllProperties("rdate")) {
        // Raw jCal values: ical.js's own decoding would resolve TZIDs through its zones.
        for (const value of rdate.jCal.slice(3) as unknown[]) {
          budget.spend(STEPS_PER_VALUE);
          // A PERIOD's start; a DATE takes DTSTART's time of day; a UTC time is moved into local time.
          const time = readTimeValue(Array.isArray(value) ? value[0] : value);
          if (time === undefined) continue;
          const onset = time.isDate ? time.seconds + (start - Math.floor(start / DAY) * DAY) : time.seconds;
          this.#transitions.push({ key: keyOf(time.utc ? onset + from : onset, from, to), offset: to });
        }
      }
      if (rule !== undefined) {
        const timeOfDay = start - Math.floor(start / DAY) * DAY;
        const countedYear = civilFromDays(Math.floor(start / DAY))[0];
        this.#rules.push({
          start,
          timeOfDay,
          from,
          to,
          rule,
          counted: 1,
          countedYear,
          countEnd: undefined,
          cache: new Map(),
        });
      }
    }
    budget.spend(this.#transitions.length * Math.ceil(Math.log2(this.#transitions.length + 1)));
    this.#transitions.sort((a, b) => a.key - b.key);
    this.#firstOffset = first?.from ?? 0;
  }

  #offsetAt(local: number, budget: ZoneBudget): number {
    let bestKey = -Infinity;
    let offset = this.#firstOffset;
    // The last fixed transition at or before `local` (binary search).
    let lo = 0;
    let hi = this.#transitions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#transitions[mid]!.key <= local) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) ({ key: bestKey, offset } = this.#transitions[lo - 1]!);
    for (const observance of this.#rules) {
      const shift = Math.min(0, observance.to - observance.from);
      const onset = latestOnset(observance, local - shift, budget);
      if (onset !== undefined && onset + shift > bestKey) {
        bestKey = onset + shift;
        offset = observance.to;
      }
    }
    return offset;
  }
}

function yearOf(seconds: number): number {
  return civilFromDays(Math.floor(seconds / DAY))[0];
}

/** The rule's onset days in `year`, from the observance's small cache of recent years. */
function daysIn(observance: RuleObservance, year: number, budget: ZoneBudget): number[] {
  const { cache } = observance;
  let days = cache.get(year);
  if (days === undefined) {
    days = onsetDays(observance.rule, year, budget);
    // A lookup reads two years; events cluster in a few.
    if (cache.size >= 8) cache.delete(cache.keys().next().value!);
    cache.set(year, days);
  }
  return days;
}

/** Advances the COUNT bookkeeping through `year`; sets `countEnd` once the COUNT-th onset is found. */
function countThrough(observance: RuleObservance, year: number, budget: ZoneBudget): void {
  const { rule, start, timeOfDay } = observance;
  if (rule.count === undefined) return;
  if (observance.counted >= rule.count && observance.countEnd === undefined) observance.countEnd = start;
  while (observance.countEnd === undefined && observance.countedYear <= year) {
    const days = daysIn(observance, observance.countedYear, budget);
    for (const day of days) {
      const onset = day * DAY + timeOfDay;
      if (onset <= start) continue;
      observance.counted += 1;
      if (observance.counted === rule.count) {
        observance.countEnd = onset;
        break;
      }
    }
    observance.countedYear += rule.interval;
  }
}

/**
 * The latest onset of a rule observance at or before local second `limit`,
 * after its DTSTART (which is a fixed transition already): only the
 * eligible year of `limit` (bounded by UNTIL and COUNT) and the one before
 * are examined, which is where every yearly rule has its last onset.
 */
function latestOnset(observance: RuleObservance, limit: number, budget: ZoneBudget): number | undefined {
  const { rule, start, timeOfDay } = observance;
  if (limit <= start) return undefined;
  countThrough(observance, yearOf(limit), budget);
  const end = Math.min(limit, rule.until ?? Infinity, observance.countEnd ?? Infinity);
  if (end <= start) return undefined;
  const startYear = yearOf(start);
  let year = yearOf(end);
  year -= (year - startYear) % rule.interval;
  for (let tries = 0; tries < 2 && year >= startYear; tries += 1, year -= rule.interval) {
    const days = daysIn(observance, year, budget);
    for (let i = days.length - 1; i >= 0; i -= 1) {
      const onset = days[i]! * DAY + timeOfDay;
      if (onset <= start) return undefined;
      if (onset <= end) return onset;
    }
  }
  return undefined;
}

const zonesByCalendar = new WeakMap<Component, Map<string, { vtimezone: Component; zone?: Zone }>>();

/**
 * The zone a TZID names in `vcalendar`: built from the first of its own
 * VTIMEZONEs with that TZID (never from another calendar or ical.js's
 * process-wide registry), once per calendar object and only when first
 * used. Undefined when the calendar defines no such zone.
 */
export function zoneOf(vcalendar: Component, tzid: string): Zone | undefined {
  let zones = zonesByCalendar.get(vcalendar);
  if (zones === undefined) {
    zones = new Map();
    for (const vtimezone of vcalendar.getAllSubcomponents("vtimezone")) {
      const id = valueOf(vtimezone, "tzid");
      if (typeof id === "string" && !zones.has(id)) zones.set(id, { vtimezone });
    }
    zonesByCalendar.set(vcalendar, zones);
  }
  const entry = zones.get(tzid);
  if (entry === undefined) return undefined;
  entry.zone ??= new Zone(entry.vtimezone);
  return entry.zone;
}
