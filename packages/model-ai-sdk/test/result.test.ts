import type { LanguageModelV3Content, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import {
  LoadAPIKeyError,
  NoSuchModelError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from "@ai-sdk/provider";
import {
  ModelBadResponseError,
  ModelConfigError,
  ModelConnectionError,
  ModelRefusedError,
  ModelRequestError,
  silentLogger,
  type LogFields,
  type Logger,
} from "@cortex/primitives";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { aiSdkModel } from "../src/index.js";
import { rejection, request } from "./support/request.js";

const USAGE = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 4, text: 3, reasoning: 1 },
};

function result(
  content: LanguageModelV3Content[],
  more: Partial<LanguageModelV3GenerateResult> = {},
): LanguageModelV3GenerateResult {
  return {
    content,
    finishReason: { unified: "stop", raw: "stop" },
    usage: USAGE,
    warnings: [],
    ...more,
  };
}

function generate(answer: unknown) {
  const mock = new MockLanguageModelV3({ doGenerate: async () => answer as LanguageModelV3GenerateResult });
  return aiSdkModel(mock, { logger: silentLogger, maxRetries: 0 }).generate(request());
}

describe("generate reads the specification's results", () => {
  it("keeps text and client-side tool calls; leaves out reasoning, files, sources, provider-executed tools and unknown parts", async () => {
    const response = await generate(
      result(
        [
          { type: "reasoning", text: "thinking it over", providerMetadata: { anthropic: { signature: "sig" } } },
          { type: "text", text: "Here " },
          { type: "file", mediaType: "image/png", data: "iVBORw0KGgo=" },
          { type: "source", sourceType: "url", id: "s1", url: "https://example.com", title: "Example" },
          { type: "tool-call", toolCallId: "ws1", toolName: "web_search", input: "{}", providerExecuted: true },
          { type: "tool-result", toolCallId: "ws1", toolName: "web_search", result: { hits: 3 } },
          { type: "tool-approval-request", approvalId: "a1", toolCallId: "ws1" },
          { type: "text", text: "you go." },
          { type: "tool-call", toolCallId: "c1", toolName: "notes__publish", input: '{"text":"hi"}' },
          { type: "a-part-of-a-later-specification", data: 1 } as unknown as LanguageModelV3Content,
        ],
        { finishReason: { unified: "tool-calls", raw: "tool_use" } },
      ),
    );
    expect(response).toEqual({
      content: "Here you go.",
      toolCalls: [{ id: "c1", name: "notes__publish", arguments: '{"text":"hi"}' }],
      usage: { inputTokens: 10, outputTokens: 4 },
      finishReason: "tool-calls",
    });
  });

  it("maps every finish reason, an unknown one to other", async () => {
    for (const [unified, expected] of [
      ["stop", "stop"],
      ["length", "length"],
      ["tool-calls", "tool-calls"],
      ["error", "error"],
      ["other", "other"],
      ["something-new", "other"],
    ]) {
      const response = await generate(
        result([{ type: "text", text: "x" }], { finishReason: { unified, raw: "r" } } as never),
      );
      expect(response.finishReason, unified).toBe(expected);
    }
  });

  it("reports usage only when the provider did, a missing side as 0", async () => {
    const none = { inputTokens: { total: undefined }, outputTokens: { total: undefined } };
    expect((await generate(result([{ type: "text", text: "x" }], { usage: none as never }))).usage).toBeUndefined();
    const half = { inputTokens: { total: 9 }, outputTokens: { total: undefined } };
    expect((await generate(result([{ type: "text", text: "x" }], { usage: half as never }))).usage).toEqual({
      inputTokens: 9,
      outputTokens: 0,
    });
  });

  it("answers an empty text when there is neither text nor a tool call", async () => {
    expect((await generate(result([{ type: "reasoning", text: "hm" }]))).content).toBe("");
  });

  it("a content-filter stop is a refusal, unless there are tool calls to run", async () => {
    const refused = await rejection(() =>
      generate(
        result([{ type: "text", text: "I can't help with that." }], {
          finishReason: { unified: "content-filter", raw: "refusal" },
        }),
      ),
    );
    expect(refused).toBeInstanceOf(ModelRefusedError);
    expect(refused).toMatchObject({
      code: "CORTEX_MODEL_REFUSED",
      refusal: "I can't help with that.",
      retryable: false,
    });
    const withCall = await generate(
      result([{ type: "tool-call", toolCallId: "c1", toolName: "notes__publish", input: "{}" }], {
        finishReason: { unified: "content-filter", raw: "content_filter" },
      }),
    );
    expect(withCall).toMatchObject({ toolCalls: [{ id: "c1" }], finishReason: "content-filter" });
  });

  it("an interrupted answer (specification v4) is a dropped connection", async () => {
    const error = await rejection(() =>
      generate(
        result([{ type: "text", text: "partial" }], {
          finishReason: { unified: "interrupted", raw: undefined },
        } as never),
      ),
    );
    expect(error).toBeInstanceOf(ModelConnectionError);
  });

  it("a result that is not one is a ModelBadResponseError", async () => {
    await expect(generate({ content: "text" })).rejects.toBeInstanceOf(ModelBadResponseError);
    await expect(generate(undefined)).rejects.toBeInstanceOf(ModelBadResponseError);
    await expect(generate(result(["text" as never]))).rejects.toBeInstanceOf(ModelBadResponseError);
    await expect(
      generate(result([{ type: "tool-call", toolCallId: "c1", toolName: "", input: "{}" }])),
    ).rejects.toThrow(/tool call without a tool name/);
  });

  it("maps the specification's errors thrown by doGenerate to coded model errors", async () => {
    const cases: [unknown, unknown][] = [
      [new LoadAPIKeyError({ message: "Anthropic API key is missing." }), ModelConfigError],
      [new UnsupportedFunctionalityError({ functionality: "tool messages" }), ModelRequestError],
      [new NoSuchModelError({ modelId: "x", modelType: "languageModel" }), ModelRequestError],
      [new TypeValidationError({ value: {}, cause: new Error("bad") }), ModelBadResponseError],
      [new Error("something else"), ModelRequestError],
      ["a thrown string", ModelRequestError],
    ];
    for (const [thrown, expected] of cases) {
      const mock = new MockLanguageModelV3({
        doGenerate: async () => {
          throw thrown;
        },
      });
      const error = await rejection(() => aiSdkModel(mock, { maxRetries: 3 }).generate(request()));
      expect(error, String(thrown)).toBeInstanceOf(expected);
      expect(mock.doGenerateCalls, String(thrown)).toHaveLength(1);
    }
  });

  it("logs each distinct provider warning once", async () => {
    const lines: [string, LogFields | undefined][] = [];
    const logger: Logger = { ...silentLogger, warn: (message, fields) => lines.push([message, fields]) };
    const warning = { type: "unsupported", feature: "temperature", details: "not for reasoning models" };
    const mock = new MockLanguageModelV3({
      doGenerate: result([{ type: "text", text: "x" }], { warnings: [warning as never] }),
    });
    const model = aiSdkModel(mock, { logger, temperature: 0.2 });
    await model.generate(request());
    await model.generate(request());
    expect(lines).toEqual([['mock-provider model "mock-model-id" warned about the request', { warning }]]);
  });
});
