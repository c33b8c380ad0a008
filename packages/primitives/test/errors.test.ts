import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import {
  AbortedError,
  CortexError,
  InvalidOptionsError,
  MODEL_ERRORS,
  ModelHttpError,
  PRIMITIVES_ERRORS,
  TimeoutError,
  isCortexError,
  messageOf,
  toErrorInfo,
} from "../src/index.js";

class NotFoundError extends CortexError<"CORTEX_THING_NOT_FOUND"> {
  constructor(readonly thing: string) {
    super("CORTEX_THING_NOT_FOUND", `no thing "${thing}"`);
  }
}

describe("CortexError", () => {
  it("takes its name from the concrete class, so a subclass is one constructor", () => {
    const error = new NotFoundError("x");
    expect(error.name).toBe("NotFoundError");
    expect(error.code).toBe("CORTEX_THING_NOT_FOUND");
    expect(error.message).toBe('no thing "x"');
    expect(new InvalidOptionsError("timeoutMs", "bad").name).toBe("InvalidOptionsError");
    expect(String(new TimeoutError(5))).toBe("TimeoutError: did not finish within 5 ms");
  });

  it("passes cause through, and sets none when none is given", () => {
    const cause = new Error("root");
    expect(new CortexError("CORTEX_X", "m", { cause }).cause).toBe(cause);
    expect("cause" in new CortexError("CORTEX_X", "m")).toBe(false);
  });

  it("recognises errors branded by another copy of any Cortex package", () => {
    class Foreign extends Error {
      readonly code = "CORTEX_FOREIGN";
      constructor() {
        super("from another copy");
        Object.defineProperty(this, Symbol.for("cortex.error"), { value: true });
      }
    }
    const foreign = new Foreign();
    expect(foreign instanceof CortexError).toBe(true);
    expect(isCortexError(foreign)).toBe(true);
    expect(foreign instanceof NotFoundError).toBe(false);
    expect(new NotFoundError("x") instanceof TimeoutError).toBe(false);
  });

  it("does not recognise look-alikes without the brand", () => {
    expect(isCortexError(Object.assign(new Error("x"), { code: "CORTEX_X" }))).toBe(false);
    expect(isCortexError(null)).toBe(false);
    expect(isCortexError("CORTEX_X")).toBe(false);
  });
});

describe("AbortedError", () => {
  it("keeps the abort reason as cause and says it", () => {
    const reason = new Error("user pressed stop");
    const error = new AbortedError(reason);
    expect(error.code).toBe("CORTEX_ABORTED");
    expect(error.cause).toBe(reason);
    expect(error.message).toBe("aborted: user pressed stop");
    expect(new AbortedError("shutdown").message).toBe("aborted: shutdown");
  });
});

describe("ModelHttpError", () => {
  it.each([
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
  ])("status %i is retryable: %s", (status, retryable) => {
    expect(new ModelHttpError(status, "x").retryable).toBe(retryable);
  });

  it("keeps the request id and the server's retry-after", () => {
    const error = new ModelHttpError(429, "slow down", { requestId: "req_1", retryAfterMs: 2000 });
    expect(error).toMatchObject({
      status: 429,
      requestId: "req_1",
      retryAfterMs: 2000,
      code: "CORTEX_MODEL_HTTP_ERROR",
    });
  });
});

describe("messageOf and toErrorInfo", () => {
  it("give a readable message for anything thrown", () => {
    expect(messageOf(new Error("boom"))).toBe("boom");
    expect(messageOf("plain")).toBe("plain");
    expect(messageOf({ a: 1 })).toBe('{"a":1}');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(messageOf(circular)).toBe("[object Object]");
    expect(messageOf(undefined)).toBe("undefined");
  });

  it("keeps a Cortex code and its issues, and uses the fallback code otherwise", () => {
    const invalid = Object.assign(new CortexError("CORTEX_VALIDATION_FAILED", "bad"), {
      issues: [{ path: "/a", message: "must be string" }],
    });
    expect(toErrorInfo(invalid)).toEqual({
      code: "CORTEX_VALIDATION_FAILED",
      message: "bad",
      issues: [{ path: "/a", message: "must be string" }],
    });
    expect(toErrorInfo(new Error("boom"))).toEqual({ code: "CORTEX_INTERNAL", message: "boom" });
    expect(toErrorInfo("x", "CORTEX_PLUGIN_ERROR")).toEqual({ code: "CORTEX_PLUGIN_ERROR", message: "x" });
  });
});

describe("docs/errors.md", () => {
  it("documents every code of the package's tables, with its class, and nothing else", () => {
    expect(errorDocProblems("@cortex/primitives", { ...PRIMITIVES_ERRORS, ...MODEL_ERRORS })).toEqual([]);
  });
});
