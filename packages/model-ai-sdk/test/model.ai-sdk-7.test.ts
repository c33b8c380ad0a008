import { createAnthropic } from "ai-sdk-7-anthropic";
import { createGoogleGenerativeAI } from "ai-sdk-7-google";
import { createOpenAI } from "ai-sdk-7-openai";
import { ModelConnectionError } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { aiSdkModel } from "../src/index.js";
import { Loopback } from "./support/loopback.js";
import { describeProvider, KEY } from "./support/provider-suite.js";
import { rejection, request } from "./support/request.js";
import { anthropicError, anthropicEvents, anthropicJson } from "./support/wire-anthropic.js";
import { googleError, googleEvents, googleJson } from "./support/wire-google.js";
import { openaiError, responsesEvents, responsesJson } from "./support/wire-openai.js";

// The provider packages of AI SDK 7 (`@ai-sdk/*` 4.x, language-model
// specification v4), through the same code path and the same wire servers
// as AI SDK 6's. Their request shapes are checked in the AI SDK 6 suites;
// here the specification is what differs.

describeProvider({
  name: "OpenAI, AI SDK 7 (specification v4)",
  model: (baseURL, options) => {
    const model = createOpenAI({ baseURL, apiKey: KEY })("gpt-4.1-mini");
    expect(model.specificationVersion).toBe("v4");
    return aiSdkModel(model, { ...options, secrets: [KEY] });
  },
  json: responsesJson,
  events: responsesEvents,
  headers: { "x-request-id": "req_sse_1" },
  error: (status, message) => openaiError(status, message, "server_error"),
  rateLimit: (message) =>
    openaiError(429, message, "rate_limit_exceeded", { "x-request-id": "req_429", "retry-after-ms": "30" }),
  requestId: "req_429",
  keepsToolCallIds: true,
  checkRequest(received) {
    expect(received.path).toBe("/responses");
  },
});

describeProvider({
  name: "Anthropic, AI SDK 7 (specification v4)",
  model: (baseURL, options) =>
    aiSdkModel(createAnthropic({ baseURL: `${baseURL}/v1`, apiKey: KEY })("claude-sonnet-4-5"), {
      ...options,
      secrets: [KEY],
    }),
  json: anthropicJson,
  events: anthropicEvents,
  error: (status, message) => anthropicError(status, "api_error", message),
  rateLimit: (message) =>
    anthropicError(429, "rate_limit_error", message, { "request-id": "req_ant_429", "retry-after": "0.03" }),
  requestId: "req_ant_429",
  keepsToolCallIds: true,
  checkRequest(received) {
    expect(received.path).toBe("/v1/messages");
  },
});

describeProvider({
  name: "Google, AI SDK 7 (specification v4)",
  model: (baseURL, options) =>
    aiSdkModel(createGoogleGenerativeAI({ baseURL: `${baseURL}/v1beta`, apiKey: KEY })("gemini-2.5-flash"), {
      ...options,
      secrets: [KEY],
    }),
  json: googleJson,
  events: googleEvents,
  error: (status, message) => googleError(status, "INTERNAL", message),
  rateLimit: (message) => ({
    kind: "json",
    status: 429,
    body: {
      error: {
        code: 429,
        message,
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "0.030s" }],
      },
    },
  }),
  keepsToolCallIds: false,
  checkRequest(received) {
    expect(received.path).toMatch(/^\/v1beta\/models\/gemini-2\.5-flash:/);
  },
});

describe("a stream the server closes before its end event", () => {
  it("is a ModelConnectionError: AI SDK 7 providers report it as interrupted", async () => {
    const server = await Loopback.start();
    try {
      server.reply({ kind: "sse", events: responsesEvents({ text: "hello there my friend" }).slice(0, 5) });
      const model = aiSdkModel(createOpenAI({ baseURL: server.url, apiKey: KEY })("gpt-4.1-mini"), { maxRetries: 0 });
      const seen: string[] = [];
      const error = await rejection(async () => {
        for await (const part of model.stream(request())) seen.push(part.type);
      });
      expect(error).toBeInstanceOf(ModelConnectionError);
      expect(error.message).toContain("cut off");
      expect(seen).toEqual(["text-delta", "text-delta"]);
    } finally {
      await server.close();
    }
  });
});
