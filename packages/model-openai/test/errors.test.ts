import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CortexError as CoreCortexError, isCortexError as coreIsCortexError } from "@cortex/core";
import { MODEL_ERRORS } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { documentedErrors } from "../../../test-support/error-docs.js";
import { CortexError, ModelHttpError, ModelTimeoutError, isCortexError } from "../src/index.js";

/** The error classes the sources construct, found by reading them. */
function thrownClasses(): Set<string> {
  const dir = join(import.meta.dirname, "../src");
  const found = new Set<string>();
  for (const file of readdirSync(dir)) {
    for (const match of readFileSync(join(dir, file), "utf8").matchAll(/new (\w+Error)\(/g)) found.add(match[1]!);
  }
  return found;
}

describe("errors", () => {
  it("throws only model errors of @cortex/primitives, each documented in its section of docs/errors.md", () => {
    const codeOf = new Map<string, string>(Object.entries(MODEL_ERRORS).map(([code, name]) => [name, code]));
    const documented = documentedErrors("@cortex/primitives");
    const thrown = thrownClasses();
    expect(thrown.size).toBeGreaterThanOrEqual(7);
    for (const name of thrown) {
      const code = codeOf.get(name);
      expect(code, `${name} is not a model error of @cortex/primitives`).toBeDefined();
      expect(documented.get(code!), code).toMatch(new RegExp(`^\`${name}\``));
    }
    // The package's own section only points there.
    expect(documentedErrors("@cortex/model-openai").size).toBe(0);
  });

  it("has a stable code, name and cause, and is recognised across Cortex packages", () => {
    const cause = new Error("socket");
    const error = new ModelHttpError(503, "unavailable", { cause, requestId: "req_1", retryAfterMs: 2_000 });
    expect(error).toMatchObject({
      code: "CORTEX_MODEL_HTTP_ERROR",
      name: "ModelHttpError",
      status: 503,
      retryable: true,
      requestId: "req_1",
      retryAfterMs: 2_000,
    });
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(CortexError);
    expect(error).toBeInstanceOf(CoreCortexError);
    expect(coreIsCortexError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(ModelTimeoutError);
    expect(isCortexError(new Error("plain"))).toBe(false);
  });
});
