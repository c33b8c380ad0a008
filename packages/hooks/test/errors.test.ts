import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import {
  CortexError,
  DuplicateExtensionError,
  HOOKS_ERRORS,
  InvalidExtensionError,
  InvalidHookHandlerError,
  InvalidOptionsError,
  UnknownHookError,
  isCortexError,
} from "../src/index.js";

const samples = [
  new InvalidExtensionError("m"),
  new DuplicateExtensionError("m", { extension: "audit" }),
  new UnknownHookError("m", { extension: "audit", property: "onRunStart" }),
  new InvalidHookHandlerError("m", { extension: "audit", property: "onRunStarted" }),
  new InvalidOptionsError("logger", "m"),
];

describe("error classes", () => {
  it("cover every code once, with a set name and the right code", () => {
    expect(samples.map((error) => error.code).sort()).toEqual(Object.keys(HOOKS_ERRORS).sort());
    for (const error of samples) expect(HOOKS_ERRORS[error.code]).toBe(error.name);
    for (const error of samples) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(CortexError);
      expect(error.name).toBe(error.constructor.name);
      expect(error.code).toMatch(/^CORTEX_[A-Z_]+$/);
    }
  });

  it("pass the cause through", () => {
    const cause = new Error("root");
    const error = new InvalidHookHandlerError("m", { extension: "x", property: "onRunStarted", cause });
    expect(error.cause).toBe(cause);
    expect(error.extension).toBe("x");
    expect(error.property).toBe("onRunStarted");
    expect(new CortexError("CORTEX_INVALID_OPTIONS", "m", { cause: 1 }).cause).toBe(1);
    expect("cause" in new InvalidExtensionError("m")).toBe(false);
  });

  it("keep the prototype check for subclasses", () => {
    expect(new UnknownHookError("m")).toBeInstanceOf(UnknownHookError);
    expect(new UnknownHookError("m")).not.toBeInstanceOf(DuplicateExtensionError);
    expect(new Error("plain")).not.toBeInstanceOf(CortexError);
  });
});

describe("instanceof CortexError across package copies", () => {
  // Stands in for the CJS copy of this package, or another Cortex package's own base.
  class ForeignCortexError extends Error {
    readonly code = "CORTEX_PLUGIN_NOT_FOUND";
    constructor() {
      super("from another copy");
      Object.defineProperty(this, Symbol.for("cortex.error"), { value: true });
    }
  }

  it("is true for a branded error from another copy", () => {
    const foreign = new ForeignCortexError();
    expect(foreign instanceof CortexError).toBe(true);
    expect(isCortexError(foreign)).toBe(true);
  });

  it("is false for look-alikes without the brand and for non-objects", () => {
    const lookalike = Object.assign(new Error("x"), { code: "CORTEX_FAKE" });
    expect(lookalike instanceof CortexError).toBe(false);
    for (const value of [null, undefined, "CORTEX_X", 1, { code: "CORTEX_X" }]) {
      expect(isCortexError(value)).toBe(false);
      expect(value instanceof CortexError).toBe(false);
    }
  });

  it("does not extend the brand check to subclasses", () => {
    expect(new ForeignCortexError() instanceof UnknownHookError).toBe(false);
  });
});

describe("docs/errors.md", () => {
  const docs = readFileSync(fileURLToPath(new URL("../../../docs/errors.md", import.meta.url)), "utf8");
  const start = docs.indexOf("## @cortex/hooks");
  const end = docs.indexOf("\n## ", start + 1);
  const section = docs.slice(start, end === -1 ? undefined : end);

  it("has a section for this package", () => {
    expect(start).toBeGreaterThanOrEqual(0);
  });

  it("documents every code of HOOKS_ERRORS with its class, and nothing else", () => {
    expect(errorDocProblems("@cortex/hooks", HOOKS_ERRORS)).toEqual([]);
  });

  it.each(samples.map((error) => [error.code, error.name] as const))(
    "documents %s with its class %s",
    (code, className) => {
      const row = section.split("\n").find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `missing row for ${code} in docs/errors.md`).toBeDefined();
      expect(row).toContain(`\`${className}\``);
    },
  );
});
