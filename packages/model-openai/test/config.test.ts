import { describe, expect, it } from "vitest";
import {
  ModelConfigError,
  OpenAIChatModel,
  isModelConfigured,
  modelOptionsFromEnv,
  openAIModelFromEnv,
} from "../src/index.js";
import { completion, request, startFakeServer } from "./fake-server.js";

const KEY = "sk-env-secret-key";

function configError(run: () => unknown): ModelConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelConfigError);
    expect((error as Error).message).not.toContain(KEY);
    return error as ModelConfigError;
  }
  throw new Error("expected a config error");
}

describe("isModelConfigured", () => {
  it("is true only when CORTEX_MODEL names a model", () => {
    expect(isModelConfigured({ CORTEX_MODEL: "gpt-4o-mini" })).toBe(true);
    expect(isModelConfigured({ CORTEX_MODEL: "  " })).toBe(false);
    expect(isModelConfigured({ CORTEX_MODEL_BASE_URL: "http://localhost:11434/v1" })).toBe(false);
    expect(isModelConfigured({})).toBe(false);
  });
});

describe("modelOptionsFromEnv", () => {
  it("reads every variable", () => {
    expect(
      modelOptionsFromEnv({
        CORTEX_MODEL: " llama3.1 ",
        CORTEX_MODEL_BASE_URL: "http://localhost:11434/v1",
        CORTEX_MODEL_API_KEY: KEY,
        CORTEX_MODEL_TIMEOUT_MS: "30000",
        CORTEX_MODEL_MAX_RETRIES: "0",
      }),
    ).toEqual({
      model: "llama3.1",
      baseURL: "http://localhost:11434/v1",
      apiKey: KEY,
      timeoutMs: 30_000,
      maxRetries: 0,
    });
  });

  it("needs only a model and a key for OpenAI", () => {
    expect(
      modelOptionsFromEnv({ CORTEX_MODEL: "gpt-4o-mini", CORTEX_MODEL_API_KEY: KEY, CORTEX_MODEL_BASE_URL: "" }),
    ).toEqual({
      model: "gpt-4o-mini",
      apiKey: KEY,
    });
  });

  it("rejects a missing model, a missing key without a base URL, and bad values", () => {
    expect(configError(() => modelOptionsFromEnv({ CORTEX_MODEL_API_KEY: KEY })).message).toMatch(
      /CORTEX_MODEL is not set/,
    );
    expect(configError(() => modelOptionsFromEnv({ CORTEX_MODEL: "gpt-4o" })).message).toMatch(
      /CORTEX_MODEL_API_KEY is not set/,
    );
    const base = { CORTEX_MODEL: "m", CORTEX_MODEL_API_KEY: KEY };
    expect(configError(() => modelOptionsFromEnv({ ...base, CORTEX_MODEL_TIMEOUT_MS: "soon" })).message).toMatch(
      /CORTEX_MODEL_TIMEOUT_MS/,
    );
    expect(configError(() => modelOptionsFromEnv({ ...base, CORTEX_MODEL_TIMEOUT_MS: "0" })).code).toBe(
      "CORTEX_MODEL_CONFIG",
    );
    // Past the longest timer Node keeps, the limit is honoured in full (the adapter re-arms its timer).
    expect(modelOptionsFromEnv({ ...base, CORTEX_MODEL_TIMEOUT_MS: "2147483648" }).timeoutMs).toBe(2_147_483_648);
    expect(modelOptionsFromEnv({ ...base, CORTEX_MODEL_TIMEOUT_MS: "2147483647" }).timeoutMs).toBe(2_147_483_647);
    expect(configError(() => modelOptionsFromEnv({ ...base, CORTEX_MODEL_MAX_RETRIES: "-1" })).message).toMatch(
      /CORTEX_MODEL_MAX_RETRIES/,
    );
    expect(
      configError(() => modelOptionsFromEnv({ ...base, CORTEX_MODEL_BASE_URL: "localhost:11434" })).message,
    ).toMatch(/CORTEX_MODEL_BASE_URL must be an absolute/);
  });

  it("defaults to process.env", () => {
    const saved = process.env.CORTEX_MODEL;
    delete process.env.CORTEX_MODEL;
    try {
      expect(isModelConfigured()).toBe(false);
      expect(() => openAIModelFromEnv()).toThrow(ModelConfigError);
    } finally {
      if (saved !== undefined) process.env.CORTEX_MODEL = saved;
    }
  });
});

describe("openAIModelFromEnv", () => {
  it("builds a model for OpenAI's API by default", () => {
    const model = openAIModelFromEnv({ CORTEX_MODEL: "gpt-4o-mini", CORTEX_MODEL_API_KEY: KEY });
    expect(model).toBeInstanceOf(OpenAIChatModel);
    expect(model).toMatchObject({ model: "gpt-4o-mini", endpoint: "https://api.openai.com/v1" });
  });

  it("talks to a local server without a key, sending a placeholder", async () => {
    const server = await startFakeServer(() => ({ json: completion({ content: "from local" }) }));
    try {
      const model = openAIModelFromEnv({
        CORTEX_MODEL: "llama3.1",
        CORTEX_MODEL_BASE_URL: server.baseURL,
        CORTEX_MODEL_TIMEOUT_MS: "2000",
      });
      await expect(model.generate(request())).resolves.toEqual({ content: "from local", finishReason: "stop" });
      expect(server.received[0]!.headers.authorization).toBe("Bearer not-needed");
      expect(server.received[0]!.body).toMatchObject({ model: "llama3.1" });
    } finally {
      await server.close();
    }
  });
});
