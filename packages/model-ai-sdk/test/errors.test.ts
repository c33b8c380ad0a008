import { APICallError, EmptyResponseBodyError, InvalidPromptError, JSONParseError } from "@ai-sdk/provider";
import {
  MODEL_ERRORS,
  ModelAbortedError,
  ModelBadResponseError,
  ModelConnectionError,
  ModelHttpError,
  ModelRequestError,
  ModelTimeoutError,
} from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import { isNetworkFailure, retryAfterMs, toModelError, type ErrorContext } from "../src/errors.js";

const SECRET = "sk-live-abcdef123456";
const context = (signal = new AbortController().signal): ErrorContext => ({
  where: 'acme.chat model "m"',
  signal,
  secrets: [SECRET],
});

function apiError(fields: Partial<ConstructorParameters<typeof APICallError>[0]>): APICallError {
  return new APICallError({ message: "failed", url: "http://127.0.0.1/v1", requestBodyValues: {}, ...fields });
}

function dropped(): TypeError {
  const socket = Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
  return new TypeError("terminated", { cause: socket });
}

describe("toModelError", () => {
  it("maps HTTP statuses to ModelHttpError with retryable, the request id and the wait asked for", () => {
    const error = toModelError(
      apiError({ statusCode: 429, message: "Too many", responseHeaders: { "x-request-id": "r1", "retry-after": "2" } }),
      context(),
    );
    expect(error).toBeInstanceOf(ModelHttpError);
    expect(error).toMatchObject({ status: 429, retryable: true, requestId: "r1", retryAfterMs: 2000 });
    expect(toModelError(apiError({ statusCode: 401 }), context())).toMatchObject({ status: 401, retryable: false });
    expect(toModelError(apiError({ statusCode: 503 }), context())).toMatchObject({ status: 503, retryable: true });
  });

  it("maps connection failures, before an answer and in the middle of one, to ModelConnectionError", () => {
    expect(toModelError(dropped(), context())).toBeInstanceOf(ModelConnectionError);
    const wrapped = apiError({ statusCode: 200, message: "Failed to process successful response", cause: dropped() });
    expect(toModelError(wrapped, context())).toBeInstanceOf(ModelConnectionError);
    const refused = apiError({ message: "Cannot connect to API: connect ECONNREFUSED", isRetryable: true });
    expect(toModelError(refused, context())).toBeInstanceOf(ModelConnectionError);
    expect(isNetworkFailure(new Error("plain"))).toBe(false);
  });

  it("maps an unusable answer to ModelBadResponseError", () => {
    const invalid = apiError({ statusCode: 200, message: "Invalid JSON response", cause: new SyntaxError("bad") });
    expect(toModelError(invalid, context())).toBeInstanceOf(ModelBadResponseError);
    expect(toModelError(new JSONParseError({ text: "{", cause: new Error("x") }), context())).toBeInstanceOf(
      ModelBadResponseError,
    );
    expect(toModelError(new EmptyResponseBodyError(), context())).toBeInstanceOf(ModelBadResponseError);
  });

  it("makes every failure an abort once the request's signal aborted, with the reason as cause", () => {
    const controller = new AbortController();
    controller.abort(new Error("run cancelled"));
    const error = toModelError(dropped(), context(controller.signal));
    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(error.message).toContain("run cancelled");
    expect(error.cause).toBe(controller.signal.reason);
    const domAbort = new DOMException("This operation was aborted", "AbortError");
    expect(toModelError(domAbort, context())).toBeInstanceOf(ModelAbortedError);
  });

  it("keeps a model error as it is, and maps anything else to ModelRequestError", () => {
    const timeout = new ModelTimeoutError(5, "slow");
    expect(toModelError(timeout, context())).toBe(timeout);
    expect(toModelError(new InvalidPromptError({ prompt: [], message: "bad prompt" }), context())).toBeInstanceOf(
      ModelRequestError,
    );
    expect(toModelError(42, context())).toBeInstanceOf(ModelRequestError);
  });

  it("maps in-band error objects by their status or type", () => {
    const cases: [unknown, number | undefined][] = [
      [{ type: "overloaded_error", message: "Overloaded" }, 529],
      [{ error: { type: "rate_limit_exceeded", message: "slow" } }, 429],
      [{ code: 500, message: "boom" }, 500],
      [{ statusCode: 404, message: "gone" }, 404],
      [{ status: "UNAVAILABLE", message: "down" }, 503],
      [{ type: "invalid_request_error", message: "bad" }, 400],
      [{ message: "no idea" }, undefined],
    ];
    for (const [value, status] of cases) {
      const error = toModelError(value, context());
      if (status === undefined) expect(error).toBeInstanceOf(ModelRequestError);
      else expect(error, JSON.stringify(value)).toMatchObject({ code: "CORTEX_MODEL_HTTP_ERROR", status });
    }
  });

  it("never shows a secret in the message or anything reachable from the cause", () => {
    const echoed = apiError({
      statusCode: 401,
      message: `Incorrect API key provided: ${SECRET}`,
      responseBody: JSON.stringify({ error: { message: `bad key ${SECRET}` } }),
    });
    const error = toModelError(echoed, context());
    expect(error.message).toContain("Incorrect API key provided: [redacted]");
    expect(error.message).not.toContain(SECRET);
    expect(error.cause).not.toBe(echoed);
    expect(JSON.stringify(error.cause)).not.toContain(SECRET);
    expect(String((error.cause as Error).message)).not.toContain(SECRET);
    const clean = apiError({ statusCode: 500, message: "nothing secret" });
    expect(toModelError(clean, context()).cause).toBe(clean);
  });

  it("throws only codes of the shared model error table", () => {
    const codes = new Set(Object.keys(MODEL_ERRORS));
    for (const thrown of [apiError({ statusCode: 500 }), dropped(), new Error("x"), { type: "api_error" }]) {
      expect(codes.has(toModelError(thrown, context()).code)).toBe(true);
    }
  });
});

describe("retryAfterMs", () => {
  it("reads retry-after-ms, retry-after in seconds or as a date, and Google's RetryInfo", () => {
    expect(retryAfterMs({ "retry-after-ms": "250.5", "retry-after": "9" })).toBe(251);
    expect(retryAfterMs({ "retry-after": "3" })).toBe(3000);
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfterMs({ "retry-after": inTwoSeconds })).toBeGreaterThan(0);
    expect(retryAfterMs({ "retry-after": inTwoSeconds })).toBeLessThanOrEqual(2000);
    const body = JSON.stringify({
      error: { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "17s" }] },
    });
    expect(retryAfterMs({}, body)).toBe(17_000);
    expect(retryAfterMs({ "retry-after": "soon" })).toBeUndefined();
    expect(retryAfterMs(undefined, "{not json RetryInfo")).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe("docs/errors.md", () => {
  it("has a section for this package that documents no codes of its own", () => {
    expect(errorDocProblems("@cortex/model-ai-sdk", {})).toEqual([]);
  });
});
