import {
  isCortexError,
  isTimeLimit,
  MAX_TIMER_MS,
  ModelAbortedError,
  ModelBadResponseError,
  ModelConfigError,
  ModelConnectionError,
  ModelHttpError,
  ModelRequestError,
  ModelTimeoutError,
  withDeadline,
  type CortexError,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
} from "@cortex/primitives";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, type OpenAI } from "openai";
import { CortexOpenAI, providerMessage, retryAfterMs } from "./client.js";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { fromChatCompletion, toOpenAIMessages, toOpenAITools } from "./mapping.js";
import { baseURLProblem, describeEndpoint, redact, safeCause } from "./redact.js";

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

type ErrorClasses = Pick<
  typeof OpenAI,
  "APIError" | "APIUserAbortError" | "APIConnectionError" | "APIConnectionTimeoutError"
>;

const OWN_CLASSES: ErrorClasses = { APIError, APIUserAbortError, APIConnectionError, APIConnectionTimeoutError };

function timeLimit(name: string, value: number | undefined): void {
  if (value !== undefined && !isTimeLimit(value)) {
    throw new ModelConfigError(
      `OpenAIChatModel: ${name} must be a number of milliseconds > 0 (Infinity for none), got ${String(value)}`,
    );
  }
}

function validate(options: OpenAIChatModelOptions): void {
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

/**
 * A `ModelClient` for any server that speaks OpenAI's chat completions API
 * (OpenAI, Ollama, vLLM, llama.cpp, gateways), through the official `openai`
 * client. Options are checked once, here; a bad option is a
 * `ModelConfigError`. `generate` sends the request's `signal`, so an abort or
 * core's model deadline cancels the HTTP request, and every failure is a
 * coded Cortex error that never contains the API key.
 */
export class OpenAIChatModel implements ModelClient {
  /** The model name sent with every request. */
  readonly model: string;
  /** Where requests go, without credentials, query or fragment; safe to log. */
  readonly endpoint: string;
  readonly #client: OpenAI;
  readonly #secret: string | undefined;
  readonly #timeoutMs: number | undefined;
  readonly #maxRetries: number | undefined;
  readonly #temperature: number | undefined;
  readonly #errors: ErrorClasses[];

  constructor(options: OpenAIChatModelOptions) {
    validate(options);
    this.model = options.model;
    this.#temperature = options.temperature;
    if (options.client) {
      this.#client = options.client;
      this.#timeoutMs = options.timeoutMs;
      this.#maxRetries = options.maxRetries;
      const own = options.client.constructor as Partial<ErrorClasses> | undefined;
      // An injected client may come from another copy of `openai` (ESM beside CJS): match its error classes too.
      this.#errors = own?.APIError && own.APIError !== APIError ? [OWN_CLASSES, own as ErrorClasses] : [OWN_CLASSES];
    } else {
      const baseURL = options.baseURL ?? OPENAI_DEFAULTS.baseURL;
      const apiKey = options.apiKey ?? OPENAI_DEFAULTS.placeholderApiKey;
      this.#client = new CortexOpenAI({
        baseURL,
        apiKey,
        // Explicit nulls: the client would otherwise read OPENAI_* variables and send them to any server.
        adminAPIKey: null,
        organization: null,
        project: null,
        // The client would otherwise read OPENAI_LOG and log to the console; this package logs nothing.
        logLevel: "off",
        timeout: options.timeoutMs ?? OPENAI_DEFAULTS.timeoutMs,
        maxRetries: options.maxRetries ?? OPENAI_DEFAULTS.maxRetries,
        ...(options.extraHeaders ? { defaultHeaders: options.extraHeaders } : {}),
      });
      this.#timeoutMs = undefined;
      this.#maxRetries = undefined;
      this.#errors = [OWN_CLASSES];
    }
    const key = (this.#client as { apiKey?: unknown }).apiKey;
    this.#secret = typeof key === "string" && key !== "" ? key : undefined;
    this.endpoint = describeEndpoint(this.#client.baseURL);
  }

  /** Asks the model once (plus the client's retries). Resolves to text and/or tool calls; rejects with a coded error. */
  async generate(request: ModelRequest): Promise<ModelResponse> {
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: toOpenAIMessages(request.messages),
      ...(request.tools.length > 0 ? { tools: toOpenAITools(request.tools) } : {}),
      ...(this.#temperature !== undefined ? { temperature: this.#temperature } : {}),
    };
    const timeoutMs = this.#timeoutMs;
    let completion: unknown;
    try {
      if (timeoutMs === undefined || timeoutMs <= MAX_TIMER_MS) {
        completion = await this.#client.chat.completions.create(body, {
          signal: request.signal,
          ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
          ...(this.#maxRetries !== undefined ? { maxRetries: this.#maxRetries } : {}),
        });
      } else {
        // An injected client's timer cannot run past 2^31-1 ms: it gets its
        // longest, and one deadline of ours covers the whole limit.
        completion = await withDeadline(
          (signal) =>
            this.#client.chat.completions.create(body, {
              signal,
              timeout: MAX_TIMER_MS,
              ...(this.#maxRetries !== undefined ? { maxRetries: this.#maxRetries } : {}),
            }),
          {
            timeoutMs,
            signal: request.signal,
            timeoutError: (ms) => new ModelTimeoutError(ms, `The ${this.#where} did not answer within ${ms} ms`),
            abortError: () => request.signal.reason as unknown,
          },
        );
      }
    } catch (error) {
      throw this.#wrap(error, request.signal);
    }
    return fromChatCompletion(completion, this.model);
  }

  #is<K extends keyof ErrorClasses>(error: unknown, kind: K): boolean {
    return this.#errors.some((classes) => error instanceof classes[kind]);
  }

  get #where(): string {
    return `model "${this.model}" at ${this.endpoint}`;
  }

  #wrap(error: unknown, signal: AbortSignal): CortexError {
    if (isCortexError(error)) return error;
    const secret = this.#secret;
    const cause = safeCause(error, secret);
    const detail = redact(error instanceof Error ? error.message : String(error), secret).slice(0, 500);
    const where = this.#where;
    if (signal.aborted || this.#is(error, "APIUserAbortError")) {
      const reason: unknown = signal.reason;
      const why = reason instanceof Error ? `: ${redact(reason.message, secret)}` : "";
      return new ModelAbortedError(`The request to ${where} was aborted${why}`, { cause: reason ?? cause });
    }
    if (this.#is(error, "APIConnectionTimeoutError")) {
      const limit = this.#timeoutMs ?? this.#client.timeout;
      return new ModelTimeoutError(limit, `The ${where} did not answer within ${limit} ms`, { cause });
    }
    if (this.#is(error, "APIConnectionError")) {
      return new ModelConnectionError(`Could not reach ${where}${redact(rootReason(error), secret)}`, { cause });
    }
    if (this.#is(error, "APIError")) {
      const status = (error as APIError).status;
      if (typeof status === "number") {
        const requestId = (error as APIError).requestID ?? undefined;
        return new ModelHttpError(
          status,
          `The server answered HTTP ${status} for ${where}: ${providerMessage(error as APIError, secret)}`,
          { cause, requestId, retryAfterMs: retryAfterMs((error as APIError).headers) },
        );
      }
    }
    if (error instanceof SyntaxError) {
      return new ModelBadResponseError(`The server's answer for ${where} is not valid JSON: ${detail}`, { cause });
    }
    return new ModelRequestError(`The request to ${where} failed: ${detail}`, { cause });
  }
}

/** The chain of causes as one line ("fetch failed (connect ECONNREFUSED …)"), skipping the client's own wrapper. */
function rootReason(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error instanceof Error ? error.cause : undefined;
  while (current instanceof Error && messages.length < 4) {
    if (current.message) messages.push(current.message);
    current = current.cause;
  }
  if (messages.length === 0) return "";
  const [first, ...rest] = messages;
  return `: ${first}${rest.length > 0 ? ` (${rest.join("; ")})` : ""}`;
}
