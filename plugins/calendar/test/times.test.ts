import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DAY,
  MAX_SECONDS,
  MIN_SECONDS,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  isoOf,
  parseTime,
  readDuration,
  readTimeValue,
  weekdayOf,
} from "../src/ical/times.js";
import { PROPERTY, runs } from "./support/hostile.js";

describe("civil dates", () => {
  it("count days like Date does, for every year 0000–9999, both ways", () => {
    fc.assert(
      fc.property(fc.integer({ min: daysFromCivil(0, 1, 1), max: daysFromCivil(9999, 12, 31) }), (days) => {
        const date = new Date(days * DAY * 1000);
        const civil = civilFromDays(days);
        expect(civil).toEqual([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]);
        expect(daysFromCivil(...civil)).toBe(days);
        expect(weekdayOf(days)).toBe(date.getUTCDay());
      }),
      { ...PROPERTY, numRuns: runs(2000, 1000) },
    );
  });

  it("know month lengths and the edges of the years represented", () => {
    expect([daysInMonth(2024, 2), daysInMonth(2100, 2), daysInMonth(2000, 2), daysInMonth(0, 2)]).toEqual([
      29, 28, 29, 29,
    ]);
    expect(isoOf({ kind: "utc", seconds: MIN_SECONDS })).toBe("0000-01-01T00:00:00Z");
    expect(isoOf({ kind: "utc", seconds: MAX_SECONDS })).toBe("9999-12-31T23:59:59Z");
    expect(isoOf({ kind: "floating", seconds: 0 })).toBe("1970-01-01T00:00:00");
    expect(isoOf({ kind: "date", seconds: -DAY })).toBe("1969-12-31");
  });
});

describe("parseTime", () => {
  it("reads dates, offsets in every form, floating times and leap seconds", () => {
    expect(parseTime("2026-06-01", "start")).toEqual({ kind: "date", seconds: daysFromCivil(2026, 6, 1) * DAY });
    const utc = (text: string): string => isoOf(parseTime(text, "start"));
    expect(utc("2026-06-01T09:30:00+05:30")).toBe("2026-06-01T04:00:00Z");
    expect(utc("2026-06-01T09:30:00+0530")).toBe("2026-06-01T04:00:00Z");
    expect(utc("2026-06-01T09:30:00-03")).toBe("2026-06-01T12:30:00Z");
    expect(utc("2026-06-01t09:30:00.123z")).toBe("2026-06-01T09:30:00Z");
    expect(utc("2026-06-01T23:59:60Z")).toBe("2026-06-01T23:59:59Z");
    expect(utc("2026-06-01T09:30:00")).toBe("2026-06-01T09:30:00");
  });

  it.each(["2026-02-30", "2026-13-01", "2026-06-01T24:00:00Z", "2026-06-01T10:00:00+24:00", "tomorrow", ""])(
    "refuses %j as CORTEX_CALENDAR_INVALID_RANGE",
    (text) => {
      expect(() => parseTime(text, "start")).toThrow(
        expect.objectContaining({ code: "CORTEX_CALENDAR_INVALID_RANGE" }),
      );
    },
  );

  it("refuses a time its offset moves out of the years 0000–9999", () => {
    expect(() => parseTime("0000-01-01T00:00:00+01:00", "start")).toThrow(/outside the years 0000–9999/);
    expect(() => parseTime("9999-12-31T23:00:00-02:00", "end")).toThrow(/outside the years/);
    expect(isoOf(parseTime("0000-01-01T00:00:00-01:00", "start"))).toBe("0000-01-01T01:00:00Z");
  });
});

describe("values read from iCalendar", () => {
  it("reads DATE and DATE-TIME values in jCal and basic form, and nothing else", () => {
    expect(readTimeValue("2026-06-10")).toEqual({
      seconds: daysFromCivil(2026, 6, 10) * DAY,
      isDate: true,
      utc: false,
    });
    expect(readTimeValue("2026-06-10T09:00:00Z")).toMatchObject({ isDate: false, utc: true });
    expect(readTimeValue("20260610T090000")).toMatchObject({ isDate: false, utc: false });
    for (const bad of ["2026-02-30", "2026-06-10T25:00:00", "not-a-date", 20260610, undefined, "99999-01-01"]) {
      expect(readTimeValue(bad), String(bad)).toBeUndefined();
    }
  });

  it("reads DURATION values of any size as numbers, without walking them", () => {
    expect(readDuration("P1W2DT3H4M5S")).toEqual({ days: 9, seconds: 3 * 3600 + 4 * 60 + 5 });
    expect(readDuration("-PT90M")).toEqual({ days: -0, seconds: -5400 });
    expect(readDuration("P99999999999D")).toEqual({ days: 99_999_999_999, seconds: 0 });
    expect(readDuration(`P${"9".repeat(400)}W`)!.days).toBe(Infinity);
    for (const bad of ["P", "PT", "P1DT", "1D", "P1H", "P-1D", "", 5])
      expect(readDuration(bad), String(bad)).toBeUndefined();
  });
});
