import { APICallError, type LanguageModelV3StreamPart } from "@ai-sdk/provider";
import {
  ModelAbortedError,
  ModelBadResponseError,
  ModelConnectionError,
  ModelHttpError,
  ModelRefusedError,
  silentLogger,
} from "@cortex/primitives";
import { MockLanguageModelV3, convertArrayToReadableStream } from "ai/test";
import { describe, expect, it } from "vitest";
import { aiSdkModel } from "../src/index.js";
import { collect, rejection, request } from "./support/request.js";

const USAGE = {
  inputTokens: { total: 20, noCache: 20, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 6, text: 6, reasoning: undefined },
};
const FINISH: LanguageModelV3StreamPart = {
  type: "finish",
  usage: USAGE,
  finishReason: { unified: "tool-calls", raw: "tool_use" },
};

function streaming(parts: unknown[]) {
  const mock = new MockLanguageModelV3({
    doStream: async () => ({ stream: convertArrayToReadableStream(parts as LanguageModelV3StreamPart[]) }),
  });
  return { mock, model: aiSdkModel(mock, { logger: silentLogger, maxRetries: 0 }) };
}

describe("stream reads the specification's stream parts", () => {
  it("yields text deltas and client-side tool calls; skips reasoning, raw chunks, sources, files, provider tools and unknown parts", async () => {
    const { model } = streaming([
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", id: "r1", modelId: "m" },
      { type: "raw", rawValue: { anything: true } },
      { type: "reasoning-start", id: "r" },
      { type: "reasoning-delta", id: "r", delta: "pondering" },
      { type: "reasoning-end", id: "r" },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "Hel" },
      { type: "text-delta", id: "t", delta: "" },
      { type: "text-delta", id: "t", delta: "lo" },
      { type: "text-end", id: "t" },
      { type: "source", sourceType: "url", id: "s", url: "https://example.com" },
      { type: "file", mediaType: "image/png", data: "iVBORw0KGgo=" },
      { type: "tool-input-start", id: "ws", toolName: "web_search", providerExecuted: true },
      { type: "tool-input-delta", id: "ws", delta: "{}" },
      { type: "tool-input-end", id: "ws" },
      { type: "tool-call", toolCallId: "ws", toolName: "web_search", input: "{}", providerExecuted: true },
      { type: "tool-result", toolCallId: "ws", toolName: "web_search", result: { hits: 1 } },
      { type: "tool-input-start", id: "c1", toolName: "notes__publish" },
      { type: "tool-input-delta", id: "c1", delta: '{"te' },
      { type: "tool-input-delta", id: "c1", delta: 'xt":"hi"}' },
      { type: "tool-input-end", id: "c1" },
      { type: "tool-call", toolCallId: "c1", toolName: "notes__publish", input: '{"text":"hi"}' },
      { type: "ping" },
      { type: "custom", kind: "acme.thing" },
      FINISH,
    ]);
    expect(await collect(model.stream(request()))).toEqual([
      { type: "text-delta", text: "Hel" },
      { type: "text-delta", text: "lo" },
      { type: "tool-call", id: "c1", name: "notes__publish", arguments: '{"text":"hi"}' },
      { type: "finish", usage: { inputTokens: 20, outputTokens: 6 }, finishReason: "tool-calls" },
    ]);
  });

  it("assembles a tool call streamed only as input deltas, when the provider never sent the whole call", async () => {
    const { model } = streaming([
      { type: "tool-input-start", id: "c7", toolName: "notes__publish" },
      { type: "tool-input-delta", id: "c7", delta: '{"text":' },
      { type: "tool-input-delta", id: "c7", delta: '"pieces"}' },
      { type: "tool-input-end", id: "c7" },
      FINISH,
    ]);
    expect(await collect(model.stream(request()))).toEqual([
      { type: "tool-call", id: "c7", name: "notes__publish", arguments: '{"text":"pieces"}' },
      { type: "finish", usage: { inputTokens: 20, outputTokens: 6 }, finishReason: "tool-calls" },
    ]);
  });

  it("a finished stream that left a tool call's input open is a ModelBadResponseError; one that never finished was cut off", async () => {
    const open = streaming([
      { type: "tool-input-start", id: "c7", toolName: "notes__publish" },
      { type: "tool-input-delta", id: "c7", delta: '{"text":' },
      FINISH,
    ]);
    await expect(collect(open.model.stream(request()))).rejects.toThrow(/ended inside the input of tool call "c7"/);
    const unfinished = streaming([{ type: "text-delta", id: "t", delta: "half" }]);
    await expect(collect(unfinished.model.stream(request()))).rejects.toBeInstanceOf(ModelConnectionError);
    const junk = streaming(["not a part"]);
    await expect(collect(junk.model.stream(request()))).rejects.toBeInstanceOf(ModelBadResponseError);
  });

  it("an error part ends the stream with its coded error: an APICallError, or a provider's in-band error object", async () => {
    const apiError = new APICallError({
      message: "Overloaded",
      url: "http://x",
      requestBodyValues: {},
      statusCode: 529,
      responseHeaders: { "request-id": "req_9" },
    });
    const thrown = streaming([{ type: "text-delta", id: "t", delta: "a" }, { type: "error", error: apiError }, FINISH]);
    const error = await rejection(() => collect(thrown.model.stream(request())));
    expect(error).toBeInstanceOf(ModelHttpError);
    expect(error).toMatchObject({ status: 529, retryable: true, requestId: "req_9" });
    const inBand = streaming([{ type: "error", error: { type: "rate_limit_error", message: "Slow down" } }]);
    expect(await rejection(() => collect(inBand.model.stream(request())))).toMatchObject({
      code: "CORTEX_MODEL_HTTP_ERROR",
      status: 429,
      retryable: true,
    });
    const unknown = streaming([{ type: "error", error: { message: "weird" } }]);
    expect(await rejection(() => collect(unknown.model.stream(request())))).toMatchObject({
      code: "CORTEX_MODEL_REQUEST_FAILED",
    });
  });

  it("a content-filter finish without tool calls is a refusal after the text it streamed", async () => {
    const { model } = streaming([
      { type: "text-delta", id: "t", delta: "I won't" },
      { type: "finish", usage: USAGE, finishReason: { unified: "content-filter", raw: "refusal" } },
    ]);
    const seen: unknown[] = [];
    const error = await rejection(async () => {
      for await (const part of model.stream(request())) seen.push(part);
    });
    expect(seen).toEqual([{ type: "text-delta", text: "I won't" }]);
    expect(error).toBeInstanceOf(ModelRefusedError);
    expect(error.refusal).toBe("I won't");
  });

  it("leaving the loop early cancels the provider's stream", async () => {
    let cancelled: unknown;
    const mock = new MockLanguageModelV3({
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          pull(controller) {
            controller.enqueue({ type: "text-delta", id: "t", delta: "more " });
          },
          cancel(reason) {
            cancelled = reason ?? "cancelled";
          },
        }),
      }),
    });
    for await (const part of aiSdkModel(mock).stream(request())) {
      expect(part.type).toBe("text-delta");
      break;
    }
    await expect.poll(() => cancelled, { timeout: 30_000 }).toBeDefined();
  });

  it("an abort ends the wait even when the provider's stream ignores its signal; an aborted request never calls the model", async () => {
    const mock = new MockLanguageModelV3({
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: "text-delta", id: "t", delta: "first" });
          },
        }),
      }),
    });
    const controller = new AbortController();
    const error = await rejection(async () => {
      for await (const part of aiSdkModel(mock).stream(request(undefined, { signal: controller.signal }))) {
        if (part.type === "text-delta") setTimeout(() => controller.abort(new Error("stop now")), 10);
      }
    });
    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(error.cause).toEqual(new Error("stop now"));
    const before = await rejection(() =>
      collect(aiSdkModel(mock).stream(request(undefined, { signal: controller.signal }))),
    );
    expect(before).toBeInstanceOf(ModelAbortedError);
    expect(mock.doStreamCalls).toHaveLength(1);
  });

  it("does not call the model before the stream is iterated", () => {
    const { mock, model } = streaming([FINISH]);
    model.stream(request());
    expect(mock.doStreamCalls).toHaveLength(0);
  });
});
