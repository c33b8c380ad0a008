import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CortexError as CoreCortexError, isCortexError as coreIsCortexError } from "@cortex/core";
import { describe, expect, it } from "vitest";
import { CortexError, MODEL_ERROR_CODES, ModelHttpError, ModelTimeoutError, isCortexError } from "../src/index.js";

describe("errors", () => {
  it("documents every code in docs/errors.md, under @cortex/model-openai", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../../docs/errors.md"), "utf8");
    const start = doc.indexOf("## @cortex/model-openai");
    expect(start).toBeGreaterThan(-1);
    const next = doc.indexOf("\n## ", start + 1);
    const section = doc.slice(start, next === -1 ? undefined : next);
    for (const code of MODEL_ERROR_CODES) expect(section, code).toContain(`| \`${code}\``);
  });

  it("has a stable code, name and cause, and is recognised across Cortex packages", () => {
    const cause = new Error("socket");
    const error = new ModelHttpError(503, "unavailable", { cause, requestId: "req_1" });
    expect(error).toMatchObject({
      code: "CORTEX_MODEL_HTTP_ERROR",
      name: "ModelHttpError",
      status: 503,
      retryable: true,
      requestId: "req_1",
    });
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(CortexError);
    expect(error).toBeInstanceOf(CoreCortexError);
    expect(coreIsCortexError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(ModelTimeoutError);
    expect(isCortexError(new Error("plain"))).toBe(false);
  });
});
