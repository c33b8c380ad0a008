import * as plugins from "@cortex/plugins";
import * as primitives from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import { AgentNotFoundError, CORE_ERRORS, CortexError, isCortexError, RunError } from "../src/index.js";

describe("errors", () => {
  it("documents every code of CORE_ERRORS in docs/errors.md, under @cortex/core, with its class", () => {
    expect(errorDocProblems("@cortex/core", CORE_ERRORS)).toEqual([]);
  });

  it("has a stable code and name, and is recognised across Cortex packages", () => {
    const error = new AgentNotFoundError("x");
    expect(error).toMatchObject({ code: "CORTEX_AGENT_NOT_FOUND", name: "AgentNotFoundError", agentId: "x" });
    expect(error).toBeInstanceOf(CortexError);
    expect(error).toBeInstanceOf(plugins.CortexError);
    expect(new plugins.PluginNotFoundError("p")).toBeInstanceOf(CortexError);
    expect(new plugins.PluginNotFoundError("p")).not.toBeInstanceOf(AgentNotFoundError);
    expect(isCortexError(new Error("plain"))).toBe(false);
    expect(new RunError("CORTEX_STEP_LIMIT", "x")).toMatchObject({ name: "RunError", code: "CORTEX_STEP_LIMIT" });
  });

  it("has one base: core's CortexError and isCortexError are those of @cortex/primitives", () => {
    expect(CortexError).toBe(primitives.CortexError);
    expect(isCortexError).toBe(primitives.isCortexError);
    expect(new AgentNotFoundError("x") instanceof plugins.CortexError).toBe(true);
    expect(Object.getPrototypeOf(AgentNotFoundError)).toBe(primitives.CortexError);
  });
});
