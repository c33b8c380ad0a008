import { readFileSync } from "node:fs";
import { isCortexError } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { CALENDAR_ERROR_CODES, CalendarError, isCalendarError } from "../src/index.js";

describe("errors", () => {
  it("brands CalendarError as a Cortex error with a stable code", () => {
    const error = new CalendarError("CORTEX_CALENDAR_EVENT_NOT_FOUND", "no event");
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("CalendarError");
    expect(isCortexError(error)).toBe(true);
    expect(isCalendarError(error)).toBe(true);
    expect(isCalendarError(new Error("x"))).toBe(false);
  });

  it("documents every code in docs/errors.md, under @cortex/plugin-calendar", () => {
    const doc = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");
    const start = doc.indexOf("## @cortex/plugin-calendar");
    expect(start, "docs/errors.md has no @cortex/plugin-calendar section").toBeGreaterThan(-1);
    const next = doc.indexOf("\n## ", start + 1);
    const section = doc.slice(start, next === -1 ? undefined : next);
    for (const code of CALENDAR_ERROR_CODES) {
      expect(section, `${code} is missing from docs/errors.md`).toMatch(new RegExp(`^\\| \`${code}\` \\|`, "m"));
    }
  });
});
