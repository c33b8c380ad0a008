import { APICallError, type LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import { ModelAbortedError, ModelHttpError, ModelTimeoutError, silentLogger } from "@cortex/primitives";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { aiSdkModel, type AiSdkModelOptions } from "../src/index.js";
import { rejection, request } from "./support/request.js";

const OK = {
  content: [{ type: "text", text: "ok" }],
  finishReason: { unified: "stop", raw: "stop" },
  usage: { inputTokens: { total: 1 }, outputTokens: { total: 1 } },
  warnings: [],
} as unknown as LanguageModelV3GenerateResult;

function failing(statuses: number[], headers: Record<string, string> = {}) {
  const times: number[] = [];
  const mock = new MockLanguageModelV3({
    doGenerate: async () => {
      times.push(Date.now());
      const status = statuses.shift();
      if (status === undefined) return OK;
      throw new APICallError({
        message: `HTTP ${status}`,
        url: "http://127.0.0.1",
        requestBodyValues: {},
        statusCode: status,
        responseHeaders: headers,
      });
    },
  });
  const model = (options: AiSdkModelOptions) => aiSdkModel(mock, { logger: silentLogger, ...options });
  return { mock, model, times };
}

describe("retries", () => {
  it("retries a retryable failure with exponential backoff, then answers", async () => {
    const { model, times } = failing([500, 502]);
    expect((await model({ maxRetries: 2, initialRetryDelayMs: 40 }).generate(request())).content).toBe("ok");
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(35);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(75);
  });

  it("gives up after maxRetries with the last error", async () => {
    const { model, times } = failing([500, 500, 503]);
    const error = await rejection(() => model({ maxRetries: 2, initialRetryDelayMs: 1 }).generate(request()));
    expect(error).toMatchObject({ status: 503 });
    expect(times).toHaveLength(3);
  });

  it("never retries what will not succeed later", async () => {
    const { model, times } = failing([400]);
    expect(await rejection(() => model({ maxRetries: 5, initialRetryDelayMs: 1 }).generate(request()))).toMatchObject({
      status: 400,
      retryable: false,
    });
    expect(times).toHaveLength(1);
  });

  it("caps the backoff at maxRetryDelayMs", async () => {
    const { model, times } = failing([500]);
    await model({ maxRetries: 1, initialRetryDelayMs: 600_000, maxRetryDelayMs: 20 }).generate(request());
    // Far below the 600 s an uncapped backoff would wait.
    expect(times[1]! - times[0]!).toBeLessThan(20_000);
  });

  it("throws at once when the server asks for a longer wait than maxRetryDelayMs", async () => {
    const { model, times } = failing([429], { "retry-after": "3600" });
    const error = await rejection(() => model({ maxRetries: 3 }).generate(request()));
    expect(error).toBeInstanceOf(ModelHttpError);
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(times).toHaveLength(1);
  });

  it("an abort during the wait between attempts ends it at once", async () => {
    const { model, times } = failing([500]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const started = Date.now();
    const error = await rejection(() =>
      model({ maxRetries: 1, initialRetryDelayMs: 60_000 }).generate(request(undefined, { signal: controller.signal })),
    );
    expect(error).toBeInstanceOf(ModelAbortedError);
    // Far below the 60 s backoff the call would wait out without the abort.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(times).toHaveLength(1);
  });

  it("limits each attempt to timeoutMs, aborting the provider's call, and retries a timeout", async () => {
    const signals: AbortSignal[] = [];
    const mock = new MockLanguageModelV3({
      doGenerate: (options) => {
        signals.push(options.abortSignal!);
        return new Promise(() => undefined);
      },
    });
    const error = await rejection(() =>
      aiSdkModel(mock, { timeoutMs: 30, maxRetries: 1, initialRetryDelayMs: 1 }).generate(request()),
    );
    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect(error).toMatchObject({ code: "CORTEX_MODEL_TIMEOUT", timeoutMs: 30, retryable: true });
    expect(signals).toHaveLength(2);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });
});
