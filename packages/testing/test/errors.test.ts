import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CortexError, isCortexError } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import { HarnessUsageError, RecordingInvalidError, ScriptExhaustedError, TESTING_ERRORS } from "../src/index.js";

const samples = [new ScriptExhaustedError(2), new HarnessUsageError("misuse"), new RecordingInvalidError("bad")];

describe("errors", () => {
  it("one sample per code, each a branded Cortex error with a name and a code", () => {
    expect(samples.map((e) => e.code).sort()).toEqual(Object.keys(TESTING_ERRORS).sort());
    for (const error of samples) {
      expect(error).toBeInstanceOf(Error);
      expect(isCortexError(error)).toBe(true);
      expect(error).toBeInstanceOf(CortexError);
      expect(error.code).toMatch(/^CORTEX_[A-Z_]+$/);
      expect(error.name).toBe(error.constructor.name);
      expect(TESTING_ERRORS[error.code]).toBe(error.name);
    }
  });
});

describe("docs/errors.md", () => {
  const docs = readFileSync(fileURLToPath(new URL("../../../docs/errors.md", import.meta.url)), "utf8");
  const start = docs.indexOf("## @cortex/testing");
  const end = docs.indexOf("\n## ", start + 1);
  const section = docs.slice(start, end === -1 ? undefined : end);

  it("has a section for this package", () => {
    expect(start).toBeGreaterThanOrEqual(0);
  });

  it("documents every code of TESTING_ERRORS with its class, and nothing else", () => {
    expect(errorDocProblems("@cortex/testing", TESTING_ERRORS)).toEqual([]);
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
