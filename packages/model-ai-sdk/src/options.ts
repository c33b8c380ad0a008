import type { SharedV3ProviderOptions } from "@ai-sdk/provider";
import { InvalidOptionsError, isLogger, isPlainObject, isTimeLimit, type Logger } from "@cortex/primitives";
import type { ReasoningEffort } from "./language-model.js";

/** The defaults of `aiSdkModel`, in one place. */
export const AI_SDK_MODEL_DEFAULTS = {
  /** Retries of a failed attempt that may succeed later (429, 5xx, a dropped connection, a timeout). */
  maxRetries: 2,
  /** The first wait before a retry when the server did not say how long; doubled each time. */
  initialRetryDelayMs: 2_000,
  /** A server asking for a longer wait than this is not retried: the error (with `retryAfterMs`) is thrown at once. */
  maxRetryDelayMs: 60_000,
  /** No time limit of the adapter's own; the engine's model deadline still applies. */
  timeoutMs: Infinity,
} as const;

/**
 * Options of `aiSdkModel`. The call settings are the AI SDK's own
 * (`generateText` takes the same names) and go to the model with every
 * request; a provider that does not support one reports a warning, which
 * is logged once.
 */
export interface AiSdkModelOptions {
  /** Most tokens the model may generate per answer. */
  maxOutputTokens?: number;
  /** Sampling temperature; the provider's default when absent. */
  temperature?: number;
  /** Nucleus sampling. */
  topP?: number;
  /** Sample only from the top K tokens. */
  topK?: number;
  /** Penalty for repeating what the prompt holds. */
  presencePenalty?: number;
  /** Penalty for repeating the same words. */
  frequencyPenalty?: number;
  /** The model stops when it generates one of these. */
  stopSequences?: string[];
  /** Seed for deterministic sampling, where the provider supports it. */
  seed?: number;
  /** Reasoning effort; understood by AI SDK 7 (specification v4) models, ignored by v3 models. */
  reasoning?: ReasoningEffort;
  /** HTTP headers sent with every request, beside the provider's own. */
  headers?: Record<string, string>;
  /** Provider-specific options, keyed by provider name (`{ anthropic: { thinking: … } }`), passed through unchanged. */
  providerOptions?: SharedV3ProviderOptions;
  /** How often a retryable failure is tried again (see `AI_SDK_MODEL_DEFAULTS`). 0 turns retries off. */
  maxRetries?: number;
  /** First backoff delay in milliseconds; doubled after each retry. */
  initialRetryDelayMs?: number;
  /** Longest wait before a retry; a server asking for more is not retried. */
  maxRetryDelayMs?: number;
  /** Limit of each attempt (of `generate`, and of opening a stream) in milliseconds; `Infinity` for none. */
  timeoutMs?: number;
  /** Strings never shown in an error message or cause, such as the API key the model was made with. */
  secrets?: readonly string[];
  /** Where the provider's warnings (unsupported settings…) go, each distinct one once. Default: `consoleLogger`. */
  logger?: Logger;
}

/** The options after checking, with defaults applied. */
export interface ResolvedOptions {
  settings: Pick<
    AiSdkModelOptions,
    | "maxOutputTokens"
    | "temperature"
    | "topP"
    | "topK"
    | "presencePenalty"
    | "frequencyPenalty"
    | "stopSequences"
    | "seed"
    | "reasoning"
    | "headers"
    | "providerOptions"
  >;
  maxRetries: number;
  initialRetryDelayMs: number;
  maxRetryDelayMs: number;
  timeoutMs: number;
  secrets: readonly string[];
  logger: Logger | undefined;
}

const NUMBER_SETTINGS = ["temperature", "topP", "topK", "presencePenalty", "frequencyPenalty"] as const;
const REASONING = ["provider-default", "none", "minimal", "low", "medium", "high", "xhigh", "max"];

function fail(option: string, message: string): never {
  throw new InvalidOptionsError(option, `aiSdkModel: ${option} ${message}`);
}

function wholeNumber(options: AiSdkModelOptions, option: "maxRetries" | "seed" | "maxOutputTokens", min: number) {
  const value = options[option];
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= min)) {
    fail(option, `must be a whole number >= ${min}, got ${String(value)}`);
  }
  return value;
}

function stringRecord(option: string, value: unknown): void {
  if (!isPlainObject(value) || Object.values(value).some((each) => typeof each !== "string")) {
    fail(option, "must be a plain object of strings");
  }
}

/** Checks the options once, when the model client is made; a bad one is `CORTEX_INVALID_OPTIONS` naming it. */
export function resolveOptions(options: AiSdkModelOptions = {}): ResolvedOptions {
  const given: unknown = options;
  if (!isPlainObject(given)) fail("options", "must be a plain object");
  const settings: ResolvedOptions["settings"] = {};
  for (const name of NUMBER_SETTINGS) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value))
      fail(name, `must be a finite number, got ${String(value)}`);
    settings[name] = value;
  }
  const maxOutputTokens = wholeNumber(options, "maxOutputTokens", 1);
  if (maxOutputTokens !== undefined) settings.maxOutputTokens = maxOutputTokens;
  const seed = wholeNumber(options, "seed", Number.MIN_SAFE_INTEGER);
  if (seed !== undefined) settings.seed = seed;
  const { stopSequences, reasoning, headers, providerOptions, secrets = [], logger } = options;
  if (stopSequences !== undefined) {
    if (!Array.isArray(stopSequences) || stopSequences.some((each) => typeof each !== "string")) {
      fail("stopSequences", "must be an array of strings");
    }
    settings.stopSequences = [...stopSequences];
  }
  if (reasoning !== undefined) {
    if (!REASONING.includes(reasoning)) fail("reasoning", `must be one of ${REASONING.join(", ")}`);
    settings.reasoning = reasoning;
  }
  if (headers !== undefined) {
    stringRecord("headers", headers);
    settings.headers = { ...headers };
  }
  if (providerOptions !== undefined) {
    const byProvider: unknown = providerOptions;
    if (!isPlainObject(byProvider) || !Object.values(byProvider).every((each) => isPlainObject(each))) {
      fail("providerOptions", "must be an object keyed by provider name, each value an object");
    }
    settings.providerOptions = providerOptions;
  }
  if (!Array.isArray(secrets) || secrets.some((each) => typeof each !== "string")) {
    fail("secrets", "must be an array of strings");
  }
  if (logger !== undefined && !isLogger(logger)) fail("logger", "must have debug, info, warn and error methods");
  const delays = { ...AI_SDK_MODEL_DEFAULTS, ...definedOnly(options) };
  for (const name of ["initialRetryDelayMs", "maxRetryDelayMs", "timeoutMs"] as const) {
    if (!isTimeLimit(delays[name])) {
      fail(name, `must be a number of milliseconds > 0, or Infinity; got ${String(delays[name])}`);
    }
  }
  return {
    settings,
    maxRetries: wholeNumber(options, "maxRetries", 0) ?? AI_SDK_MODEL_DEFAULTS.maxRetries,
    initialRetryDelayMs: delays.initialRetryDelayMs,
    maxRetryDelayMs: delays.maxRetryDelayMs,
    timeoutMs: delays.timeoutMs,
    secrets: secrets.filter((each) => each !== ""),
    logger,
  };
}

function definedOnly(
  options: AiSdkModelOptions,
): Partial<Record<"initialRetryDelayMs" | "maxRetryDelayMs" | "timeoutMs", number>> {
  const picked: Partial<Record<"initialRetryDelayMs" | "maxRetryDelayMs" | "timeoutMs", number>> = {};
  for (const name of ["initialRetryDelayMs", "maxRetryDelayMs", "timeoutMs"] as const) {
    if (options[name] !== undefined) picked[name] = options[name];
  }
  return picked;
}
