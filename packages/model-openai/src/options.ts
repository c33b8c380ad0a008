import { isTimeLimit, ModelConfigError } from "@cortex/primitives";
import type { OpenAI } from "openai";
import { baseURLProblem } from "./redact.js";

/** What `OpenAIChatModel` uses for each option left out. */
export const OPENAI_DEFAULTS = {
  /** OpenAI's API, used when no `baseURL` is given. */
  baseURL: "https://api.openai.com/v1",
  /** Limit of each attempt, in ms. Core's own model deadline (default 120 s) still applies. */
  timeoutMs: 60_000,
  /** Retries of a failed attempt (connection error, timeout, 408/409/429/5xx). */
  maxRetries: 2,
  /** Sent as the key to servers that need none (Ollama, vLLM, llama.cpp), because the client requires one. */
  placeholderApiKey: "not-needed",
} as const;

/** Options of `OpenAIChatModel`. Only `model` is required. */
export interface OpenAIChatModelOptions {
  /** The model name the server knows, e.g. `gpt-4o-mini`, `llama3.1` (Ollama), `Qwen/Qwen2.5-7B-Instruct` (vLLM). */
  model: string;
  /** The server's OpenAI-compatible base URL, ending in `/v1`. Default: OpenAI's API. */
  baseURL?: string;
  /**
   * The API key, sent as `Authorization: Bearer …`; never put in an error
   * message. Required for OpenAI's API; when absent and `baseURL` is set, a
   * placeholder is sent. Environment variables such as `OPENAI_API_KEY` are not read.
   */
  apiKey?: string;
  /**
   * Limit of each attempt, in milliseconds; `Infinity` for none. Default
   * 60 000. A limit past 2^31-1 ms (about 24.8 days) is honoured in full.
   */
  timeoutMs?: number;
  /** How often a failed attempt is retried (with backoff) before the error is thrown. Default 2; 0 turns retries off. */
  maxRetries?: number;
  /** Sampling temperature sent with every request; the server's default when absent. */
  temperature?: number;
  /**
   * A ready `OpenAI` client to use instead of building one (shared
   * connection settings, a custom `fetch`, tests). Then `baseURL`, `apiKey`
   * and `extraHeaders` must be left out; `timeoutMs` and `maxRetries`
   * still apply, per request. Such a client keeps its own per-attempt timer,
   * which cannot run past 2^31-1 ms: a longer `timeoutMs` is then enforced
   * by the adapter's own deadline over the whole call.
   */
  client?: OpenAI;
  /** Headers sent with every request (e.g. an `OpenAI-Organization`, or a gateway's routing header). */
  extraHeaders?: Record<string, string>;
}

function timeLimit(name: string, value: number | undefined): void {
  if (value !== undefined && !isTimeLimit(value)) {
    throw new ModelConfigError(
      `OpenAIChatModel: ${name} must be a number of milliseconds > 0 (Infinity for none), got ${String(value)}`,
    );
  }
}

export function validate(options: OpenAIChatModelOptions): void {
  if (typeof options !== "object" || options === null)
    throw new ModelConfigError("OpenAIChatModel needs an options object");
  if (typeof options.model !== "string" || options.model.trim() === "") {
    throw new ModelConfigError("OpenAIChatModel: model must be a non-empty model name, e.g. gpt-4o-mini or llama3.1");
  }
  timeLimit("timeoutMs", options.timeoutMs);
  const { maxRetries, temperature, baseURL, apiKey, extraHeaders, client } = options;
  if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0)) {
    throw new ModelConfigError(`OpenAIChatModel: maxRetries must be a whole number >= 0, got ${String(maxRetries)}`);
  }
  if (temperature !== undefined && !(typeof temperature === "number" && Number.isFinite(temperature))) {
    throw new ModelConfigError(`OpenAIChatModel: temperature must be a finite number, got ${String(temperature)}`);
  }
  if (client !== undefined) {
    if (typeof client !== "object" || client === null || typeof client.chat?.completions?.create !== "function") {
      throw new ModelConfigError("OpenAIChatModel: client must be an OpenAI client (new OpenAI(...))");
    }
    if (baseURL !== undefined || apiKey !== undefined || extraHeaders !== undefined) {
      throw new ModelConfigError(
        "OpenAIChatModel: configure baseURL, apiKey and extraHeaders on the injected client, not beside it",
      );
    }
    return;
  }
  const problem = baseURL === undefined ? undefined : baseURLProblem(baseURL);
  if (problem !== undefined) throw new ModelConfigError(`OpenAIChatModel: baseURL ${problem}`);
  if (apiKey !== undefined && (typeof apiKey !== "string" || apiKey === "")) {
    throw new ModelConfigError("OpenAIChatModel: apiKey must be a non-empty string when given");
  }
  if (apiKey === undefined && baseURL === undefined) {
    throw new ModelConfigError(
      "OpenAIChatModel: an apiKey is required for OpenAI's API; for a local server (Ollama, vLLM, llama.cpp) set baseURL instead",
    );
  }
}
