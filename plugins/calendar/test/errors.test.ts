import { CortexError, isCortexError } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import { CalendarFailure, isCalendarFailure } from "../src/errors.js";
import { CALENDAR_ERRORS, CalendarConfigError } from "../src/index.js";

describe("errors", () => {
  it("brands its errors as Cortex errors with a stable code and the class's name", () => {
    const config = new CalendarConfigError("bad backend");
    expect(config).toBeInstanceOf(CortexError);
    expect(config).toMatchObject({ name: "CalendarConfigError", code: "CORTEX_CALENDAR_CONFIG_INVALID" });
    const failure = new CalendarFailure("CORTEX_CALENDAR_EVENT_NOT_FOUND", "no event");
    expect(failure).toMatchObject({ name: "CalendarFailure", code: "CORTEX_CALENDAR_EVENT_NOT_FOUND" });
    expect(isCortexError(failure)).toBe(true);
    expect(isCalendarFailure(failure)).toBe(true);
    expect(isCalendarFailure(config)).toBe(true);
    expect(isCalendarFailure(new CortexError("CORTEX_OTHER", "x"))).toBe(false);
    expect(isCalendarFailure(new Error("x"))).toBe(false);
  });

  it("documents every code in docs/errors.md, under @cortex/plugin-calendar, with its carrier", () => {
    expect(errorDocProblems("@cortex/plugin-calendar", CALENDAR_ERRORS)).toEqual([]);
  });
});
