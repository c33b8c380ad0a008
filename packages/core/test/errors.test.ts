import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CortexError as PluginsCortexError, PluginNotFoundError } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { AgentNotFoundError, CORE_ERROR_CODES, CortexError, isCortexError } from "../src/index.js";

describe("errors", () => {
  it("documents every code in docs/errors.md, under @cortex/core", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../../docs/errors.md"), "utf8");
    const start = doc.indexOf("## @cortex/core\n");
    const end = doc.indexOf("\n## ", start + 1);
    const section = doc.slice(start, end === -1 ? undefined : end);
    for (const code of CORE_ERROR_CODES) expect(section, code).toContain(`| \`${code}\``);
  });

  it("has a stable code and name, and is recognised across Cortex packages", () => {
    const error = new AgentNotFoundError("x");
    expect(error).toMatchObject({ code: "CORTEX_AGENT_NOT_FOUND", name: "AgentNotFoundError", agentId: "x" });
    expect(error).toBeInstanceOf(CortexError);
    expect(error).toBeInstanceOf(PluginsCortexError);
    expect(new PluginNotFoundError("p")).toBeInstanceOf(CortexError);
    expect(new PluginNotFoundError("p")).not.toBeInstanceOf(AgentNotFoundError);
    expect(isCortexError(new Error("plain"))).toBe(false);
  });

  it("has one base: core's CortexError and isCortexError are those of @cortex/plugins", async () => {
    const plugins = await import("@cortex/plugins");
    expect(CortexError).toBe(plugins.CortexError);
    expect(isCortexError).toBe(plugins.isCortexError);
    expect(new AgentNotFoundError("x") instanceof plugins.CortexError).toBe(true);
    expect(Object.getPrototypeOf(AgentNotFoundError)).toBe(plugins.CortexError);
  });
});
