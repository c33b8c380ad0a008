import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CortexError as CoreCortexError } from "@cortex/core";
import { PluginNotFoundError } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import {
  CLI_ERRORS,
  CommandFailedError,
  CortexError,
  InvalidParamsError,
  UsageError,
  isCortexError,
} from "../src/index.js";
import { exitCodeOf } from "../src/errors.js";

describe("errors", () => {
  it("documents every code in docs/errors.md, under @cortex/cli", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../../docs/errors.md"), "utf8");
    const section = doc.slice(doc.indexOf("## @cortex/cli"));
    expect(doc).toContain("## @cortex/cli");
    for (const code of Object.keys(CLI_ERRORS)) expect(section, code).toContain(`| \`${code}\``);
    expect(errorDocProblems("@cortex/cli", CLI_ERRORS)).toEqual([]);
  });

  it("has stable codes and names, and is recognised across Cortex packages", () => {
    const usage = new UsageError("bad", "exec");
    expect(usage).toMatchObject({ code: "CORTEX_CLI_USAGE", name: "UsageError", command: "exec" });
    expect(usage).toBeInstanceOf(CortexError);
    expect(usage).toBeInstanceOf(CoreCortexError);
    expect(new PluginNotFoundError("x")).toBeInstanceOf(CortexError);
    expect(isCortexError(new Error("plain"))).toBe(false);
  });

  it("maps errors to exit statuses: 2 for bad arguments, 1 for the rest", () => {
    expect(exitCodeOf(new UsageError("x"))).toBe(2);
    expect(exitCodeOf(new InvalidParamsError("x"))).toBe(2);
    expect(exitCodeOf(new CommandFailedError("CORTEX_CLI_UNHEALTHY", "x"))).toBe(1);
    expect(exitCodeOf(new PluginNotFoundError("x"))).toBe(1);
    expect(exitCodeOf(new Error("x"))).toBe(1);
  });
});
