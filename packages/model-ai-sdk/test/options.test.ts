import { InvalidOptionsError, silentLogger } from "@cortex/primitives";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it } from "vitest";
import { aiSdkModel, AI_SDK_MODEL_DEFAULTS, type AiSdkModelOptions } from "../src/index.js";
import { collect, request } from "./support/request.js";

const ANSWER = {
  content: [{ type: "text" as const, text: "ok" }],
  finishReason: { unified: "stop" as const, raw: "stop" },
  usage: {
    inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 1, text: 1, reasoning: 0 },
  },
  warnings: [],
};

describe("aiSdkModel options", () => {
  it("sends every call setting, the headers and the provider options with each request, and the request's signal", async () => {
    const mock = new MockLanguageModelV3({ doGenerate: ANSWER });
    const options: AiSdkModelOptions = {
      maxOutputTokens: 512,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      stopSequences: ["END"],
      seed: 7,
      reasoning: "low",
      headers: { "x-team": "agents" },
      providerOptions: { anthropic: { thinking: { type: "enabled", budgetTokens: 1024 } } },
      logger: silentLogger,
    };
    const model = aiSdkModel(mock, options);
    const signal = new AbortController().signal;
    await model.generate(request(undefined, { signal }));
    const call = mock.doGenerateCalls[0]!;
    expect(call).toMatchObject({
      maxOutputTokens: 512,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      stopSequences: ["END"],
      seed: 7,
      reasoning: "low",
      headers: { "x-team": "agents" },
      providerOptions: { anthropic: { thinking: { type: "enabled", budgetTokens: 1024 } } },
    });
    expect(call.abortSignal).toBe(signal);
    expect(call.prompt).toHaveLength(4);
    expect(call.tools).toHaveLength(1);
  });

  it("sends no setting it was not given", async () => {
    const mock = new MockLanguageModelV3({ doGenerate: ANSWER });
    await aiSdkModel(mock).generate(request());
    expect(Object.keys(mock.doGenerateCalls[0]!).sort()).toEqual(["abortSignal", "prompt", "tools"]);
  });

  it("stream sends the same call options", async () => {
    const { convertArrayToReadableStream } = await import("ai/test");
    const mock = new MockLanguageModelV3({
      doStream: async () => ({
        stream: convertArrayToReadableStream([
          { type: "finish", usage: ANSWER.usage, finishReason: ANSWER.finishReason },
        ]),
      }),
    });
    await collect(aiSdkModel(mock, { temperature: 0 }).stream(request()));
    expect(mock.doStreamCalls[0]).toMatchObject({ temperature: 0 });
    expect(mock.doStreamCalls[0]!.prompt).toHaveLength(4);
  });

  it("refuses a bad option with CORTEX_INVALID_OPTIONS naming it, before any request", () => {
    const mock = new MockLanguageModelV3();
    const bad: [AiSdkModelOptions, string][] = [
      [{ temperature: Number.NaN }, "temperature"],
      [{ topP: "0.5" as never }, "topP"],
      [{ maxOutputTokens: 0 }, "maxOutputTokens"],
      [{ maxOutputTokens: 1.5 }, "maxOutputTokens"],
      [{ seed: 0.5 }, "seed"],
      [{ maxRetries: -1 }, "maxRetries"],
      [{ stopSequences: ["a", 1] as never }, "stopSequences"],
      [{ reasoning: "extreme" as never }, "reasoning"],
      [{ headers: { a: 1 } as never }, "headers"],
      [{ providerOptions: { anthropic: "fast" } as never }, "providerOptions"],
      [{ timeoutMs: 0 }, "timeoutMs"],
      [{ initialRetryDelayMs: -5 }, "initialRetryDelayMs"],
      [{ maxRetryDelayMs: Number.NaN }, "maxRetryDelayMs"],
      [{ secrets: "key" as never }, "secrets"],
      [{ logger: console.log as never }, "logger"],
      ["fast" as never, "options"],
    ];
    for (const [options, option] of bad) {
      let thrown: unknown;
      try {
        aiSdkModel(mock, options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, option).toBeInstanceOf(InvalidOptionsError);
      expect((thrown as InvalidOptionsError).option, option).toBe(option);
    }
  });

  it("refuses what is not a language model of specification v3 or v4", () => {
    const never = () => Promise.reject(new Error("not called"));
    const v2 = { specificationVersion: "v2", provider: "p", modelId: "m", doGenerate: never, doStream: never };
    expect(() => aiSdkModel(v2 as never)).toThrow(/specification "v2"; supported are v3 and v4/);
    expect(() => aiSdkModel(undefined as never)).toThrow(InvalidOptionsError);
    expect(() => aiSdkModel({ specificationVersion: "v3" } as never)).toThrow(/doGenerate and doStream/);
  });

  it("keeps its defaults in one object", () => {
    expect(AI_SDK_MODEL_DEFAULTS).toEqual({
      maxRetries: 2,
      initialRetryDelayMs: 2000,
      maxRetryDelayMs: 60_000,
      timeoutMs: Infinity,
    });
    const model = aiSdkModel(new MockLanguageModelV3({ provider: "acme.chat", modelId: "m-1" }));
    expect([model.provider, model.modelId, model.specificationVersion]).toEqual(["acme.chat", "m-1", "v3"]);
  });
});
