import { ModelConfigError } from "@cortex/primitives";
import { OpenAIChatModel } from "./model.js";
import type { OpenAIChatModelOptions } from "./options.js";
import { baseURLProblem } from "./redact.js";

/** The environment variables this package reads; nothing else (no `OPENAI_*`) is read. */
export const MODEL_ENV = {
  /** The server's OpenAI-compatible base URL; default OpenAI's (`https://api.openai.com/v1`). */
  baseURL: "CORTEX_MODEL_BASE_URL",
  /** The API key; required for OpenAI's API, optional when a base URL is set. */
  apiKey: "CORTEX_MODEL_API_KEY",
  /** The model name; required. */
  model: "CORTEX_MODEL",
  /** Per-attempt timeout in milliseconds; optional (default 60000; longer than 2^31-1 is honoured). */
  timeoutMs: "CORTEX_MODEL_TIMEOUT_MS",
  /** Retries of a failed attempt; optional (default 2). */
  maxRetries: "CORTEX_MODEL_MAX_RETRIES",
} as const;

/** An environment to read from: `process.env` or any plain record. */
export type ModelEnv = Readonly<Record<string, string | undefined>>;

function read(env: ModelEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function wholeNumber(env: ModelEnv, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new ModelConfigError(`${name} must be a whole number >= ${min}, got "${raw}"`);
  }
  if (value > max) throw new ModelConfigError(`${name} must be at most ${max}, got "${raw}"`);
  return value;
}

/** True when the environment names a model (`CORTEX_MODEL` is set and not blank). */
export function isModelConfigured(env: ModelEnv = process.env): boolean {
  return read(env, MODEL_ENV.model) !== undefined;
}

/**
 * Reads the `CORTEX_MODEL_*` variables into `OpenAIChatModel` options.
 * Blank values count as unset. Throws `ModelConfigError` (never echoing the
 * key) when `CORTEX_MODEL` is missing, when neither a key nor a base URL is
 * set, or when a number is malformed.
 */
export function modelOptionsFromEnv(env: ModelEnv = process.env): OpenAIChatModelOptions {
  const model = read(env, MODEL_ENV.model);
  if (model === undefined) {
    throw new ModelConfigError(`${MODEL_ENV.model} is not set; set it to the model name, e.g. gpt-4o-mini or llama3.1`);
  }
  const baseURL = read(env, MODEL_ENV.baseURL);
  const problem = baseURL === undefined ? undefined : baseURLProblem(baseURL);
  if (problem !== undefined) throw new ModelConfigError(`${MODEL_ENV.baseURL} ${problem}`);
  const apiKey = read(env, MODEL_ENV.apiKey);
  if (apiKey === undefined && baseURL === undefined) {
    throw new ModelConfigError(
      `${MODEL_ENV.apiKey} is not set; it is required for OpenAI's API. For a local server set ${MODEL_ENV.baseURL} (e.g. http://localhost:11434/v1 for Ollama)`,
    );
  }
  const timeoutMs = wholeNumber(env, MODEL_ENV.timeoutMs, 1);
  const maxRetries = wholeNumber(env, MODEL_ENV.maxRetries, 0);
  return {
    model,
    ...(baseURL !== undefined ? { baseURL } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(maxRetries !== undefined ? { maxRetries } : {}),
  };
}

/**
 * Builds an `OpenAIChatModel` from the `CORTEX_MODEL_*` environment
 * variables (see `MODEL_ENV`). Without a key but with a base URL, a
 * placeholder key is sent, as local servers need none.
 */
export function openAIModelFromEnv(env: ModelEnv = process.env): OpenAIChatModel {
  return new OpenAIChatModel(modelOptionsFromEnv(env));
}
