import { ModelConfigError, ModelHttpError, ModelTimeoutError, silentLogger } from "@cortex/primitives";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AI_SDK_PROVIDERS, modelFromEnv, modelFromSpec, parseModelSpec } from "../src/index.js";
import { Loopback } from "./support/loopback.js";
import { collect, rejection, request } from "./support/request.js";
import { chatJson, chatSse } from "./support/wire-openai.js";

const KEY = "sk-spec-test-key-98765";
let server: Loopback;

beforeEach(async () => {
  server = await Loopback.start();
});
afterEach(() => server.close());

describe("parseModelSpec", () => {
  it("splits at the first colon, so model ids keep theirs", () => {
    expect(parseModelSpec("anthropic:claude-sonnet-4-5")).toEqual({
      provider: "anthropic",
      modelId: "claude-sonnet-4-5",
    });
    expect(parseModelSpec(" ollama:llama3.2:3b ")).toEqual({ provider: "ollama", modelId: "llama3.2:3b" });
  });

  it("refuses anything that is not provider:model", () => {
    for (const bad of ["gpt-4o-mini", ":model", "openai:", "Open AI:x", ""]) {
      expect(() => parseModelSpec(bad)).toThrow(ModelConfigError);
    }
  });
});

describe("modelFromSpec", () => {
  it("makes every built-in provider's model with the base URL and key from CORTEX_MODEL_*, which reach its server", async () => {
    const env = { CORTEX_MODEL_BASE_URL: server.url, CORTEX_MODEL_API_KEY: KEY };
    for (const name of Object.keys(AI_SDK_PROVIDERS)) {
      server.reply({ kind: "json", status: 500, body: { error: { message: `no ${KEY} here` } } });
      const model = await modelFromSpec(`${name}:some-model`, { env, maxRetries: 0, logger: silentLogger });
      const error = await rejection(() => model.generate(request()));
      expect(error, name).toBeInstanceOf(ModelHttpError);
      expect(error.message, name).not.toContain(KEY);
      const headers = server.received.at(-1)!.headers;
      const sent = [headers.authorization, headers["x-api-key"], headers["x-goog-api-key"]];
      expect(sent, name).toContain(name === "google" || name === "anthropic" ? KEY : `Bearer ${KEY}`);
      expect(model.modelId, name).toBe("some-model");
    }
    expect(server.received).toHaveLength(Object.keys(AI_SDK_PROVIDERS).length);
  });

  it("takes the key from the provider's own variable when CORTEX_MODEL_API_KEY is not set; the option wins over both", async () => {
    const replies = () =>
      server.reply({ kind: "json", status: 500, body: { type: "error", error: { type: "api_error", message: "x" } } });
    replies();
    const own = await modelFromSpec("anthropic:claude-sonnet-4-5", {
      env: { ANTHROPIC_API_KEY: "own-key", CORTEX_MODEL_BASE_URL: server.url },
      maxRetries: 0,
    });
    await rejection(() => own.generate(request()));
    expect(server.received.at(-1)!.headers["x-api-key"]).toBe("own-key");
    replies();
    const cortex = await modelFromSpec("anthropic:claude-sonnet-4-5", {
      env: { ANTHROPIC_API_KEY: "own-key", CORTEX_MODEL_API_KEY: "cortex-key", CORTEX_MODEL_BASE_URL: server.url },
      maxRetries: 0,
    });
    await rejection(() => cortex.generate(request()));
    expect(server.received.at(-1)!.headers["x-api-key"]).toBe("cortex-key");
    replies();
    const given = await modelFromSpec("anthropic:claude-sonnet-4-5", {
      env: { CORTEX_MODEL_API_KEY: "cortex-key" },
      apiKey: "option-key",
      baseURL: server.url,
      maxRetries: 0,
    });
    await rejection(() => given.generate(request()));
    expect(server.received.at(-1)!.headers["x-api-key"]).toBe("option-key");
  });

  it("ollama speaks chat completions, needs no key, and streams with usage", async () => {
    const model = await modelFromSpec("ollama:llama3.2:3b", { env: { CORTEX_MODEL_BASE_URL: server.url } });
    expect(model.provider).toBe("ollama.chat");
    server.reply(chatJson({ text: "Hi", usage: { input: 5, output: 1 } }));
    expect(await model.generate(request())).toEqual({
      content: "Hi",
      usage: { inputTokens: 5, outputTokens: 1 },
      finishReason: "stop",
    });
    expect(server.received[0]).toMatchObject({ path: "/chat/completions", body: { model: "llama3.2:3b" } });
    expect(server.received[0]!.headers.authorization).toBeUndefined();
    server.reply(
      chatSse({ text: "Calling", toolCalls: [{ id: "c9", name: "notes__publish", args: { text: "split args" } }] }),
    );
    const parts = await collect(model.stream(request()));
    expect(server.lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(parts.filter((part) => part.type === "tool-call")).toEqual([
      { type: "tool-call", id: "c9", name: "notes__publish", arguments: '{"text":"split args"}' },
    ]);
    expect(parts.at(-1)).toEqual({
      type: "finish",
      usage: { inputTokens: 11, outputTokens: 7 },
      finishReason: "tool-calls",
    });
  });

  it("names the package to install when a provider's package is missing", async () => {
    const error = await rejection(() =>
      modelFromSpec("acme:model-1", {
        env: {},
        providers: { acme: { package: "@acme/ai-provider-not-installed", factory: "createAcme" } },
      }),
    );
    expect(error).toBeInstanceOf(ModelConfigError);
    expect(error.message).toContain("npm install @acme/ai-provider-not-installed");
  });

  it("refuses an unknown provider, a package without the factory, a missing key and a base URL it cannot use", async () => {
    await expect(modelFromSpec("nope:model", { env: {} })).rejects.toThrow(
      /Unknown model provider "nope"; known: openai/,
    );
    await expect(
      modelFromSpec("odd:model", {
        env: {},
        providers: { odd: { package: "@ai-sdk/provider", factory: "createOdd" } },
      }),
    ).rejects.toThrow(/has no function createOdd/);
    await expect(modelFromSpec("anthropic:claude-sonnet-4-5", { env: {} })).rejects.toThrow(
      /set CORTEX_MODEL_API_KEY or ANTHROPIC_API_KEY/,
    );
    await expect(modelFromSpec("openai-compatible:qwen", { env: {} })).rejects.toThrow(/needs a base URL/);
    const leaky = await rejection(() =>
      modelFromSpec("ollama:llama3.2", { env: { CORTEX_MODEL_BASE_URL: `http://me:${KEY}@127.0.0.1:1/v1` } }),
    );
    expect(leaky).toBeInstanceOf(ModelConfigError);
    expect(leaky.message).toContain("must not contain credentials");
    expect(leaky.message).not.toContain(KEY);
  });
});

describe("modelFromEnv", () => {
  it("reads CORTEX_MODEL, and the time limit and retries", async () => {
    server.reply({ kind: "hang" });
    const model = await modelFromEnv({
      env: {
        CORTEX_MODEL: "ollama:llama3.2",
        CORTEX_MODEL_BASE_URL: server.url,
        // Long enough for the request to reach the server first, even from a loaded machine.
        CORTEX_MODEL_TIMEOUT_MS: "5000",
        CORTEX_MODEL_MAX_RETRIES: "0",
      },
    });
    expect(model.modelId).toBe("llama3.2");
    const error = await rejection(() => model.generate(request()));
    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect(error).toMatchObject({ code: "CORTEX_MODEL_TIMEOUT", timeoutMs: 5000, retryable: true });
    expect(server.received).toHaveLength(1);
  });

  it("refuses a missing CORTEX_MODEL and malformed numbers", async () => {
    await expect(modelFromEnv({ env: {} })).rejects.toThrow(/CORTEX_MODEL is not set/);
    await expect(modelFromEnv({ env: { CORTEX_MODEL: "ollama:x", CORTEX_MODEL_MAX_RETRIES: "two" } })).rejects.toThrow(
      /CORTEX_MODEL_MAX_RETRIES must be a whole number >= 0/,
    );
    await expect(modelFromEnv({ env: { CORTEX_MODEL: "ollama:x", CORTEX_MODEL_TIMEOUT_MS: "0" } })).rejects.toThrow(
      ModelConfigError,
    );
  });
});
