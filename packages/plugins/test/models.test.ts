import { describe, expect, expectTypeOf, it } from "vitest";
import { ActionTier, PluginHealthStatus, PluginState, type Plugin } from "../src/index.js";
import { CalendarPlugin } from "./fixtures.js";

describe("models", () => {
  it("tiers and statuses are const objects usable as values and types", () => {
    expect(Object.values(ActionTier)).toEqual(["AUTO", "CONFIRM", "ADMIN"]);
    expect(Object.values(PluginHealthStatus)).toEqual(["HEALTHY", "DEGRADED", "UNHEALTHY", "UNKNOWN"]);
    expect(Object.values(PluginState)).toEqual(["pending", "ready", "failed", "closed"]);
    expectTypeOf(ActionTier.CONFIRM).toEqualTypeOf<"CONFIRM">();
    expectTypeOf<ActionTier>().toEqualTypeOf<"AUTO" | "CONFIRM" | "ADMIN">();
    expectTypeOf<PluginHealthStatus>().toEqualTypeOf<"HEALTHY" | "DEGRADED" | "UNHEALTHY" | "UNKNOWN">();
  });

  it("the spec's CalendarPlugin (no context argument) is a Plugin", () => {
    const plugin: Plugin = new CalendarPlugin();
    expect(plugin.listActions().map((a) => a.name)).toEqual(["list_events", "create_event"]);
    expectTypeOf<CalendarPlugin>().toExtend<Plugin>();
  });
});
