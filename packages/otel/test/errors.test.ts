import { isCortexError } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import { OpenTelemetryExtension, OTEL_ERRORS } from "../src/index.js";

describe("errors", () => {
  it("throws only the codes of OTEL_ERRORS, as branded Cortex errors", () => {
    let thrown: unknown;
    try {
      new OpenTelemetryExtension({ model: 1 } as never);
    } catch (error) {
      thrown = error;
    }
    expect(isCortexError(thrown)).toBe(true);
    const { code, name } = thrown as { code: keyof typeof OTEL_ERRORS; name: string };
    expect(OTEL_ERRORS[code]).toBe(name);
  });

  it("documents every code of OTEL_ERRORS in docs/errors.md, and nothing else", () => {
    expect(errorDocProblems("@cortex/otel", OTEL_ERRORS)).toEqual([]);
  });
});
