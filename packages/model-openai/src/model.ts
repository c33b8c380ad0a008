import {
  isCortexError,
  MAX_TIMER_MS,
  ModelAbortedError,
  ModelBadResponseError,
  ModelConnectionError,
  ModelHttpError,
  ModelRequestError,
  ModelTimeoutError,
  withDeadline,
  type CortexError,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamPart,
} from "@cortex/primitives";
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, type OpenAI } from "openai";
import { CortexOpenAI, providerMessage, retryAfterMs } from "./client.js";
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionCreateParamsStreaming,
} from "openai/resources/chat/completions";
import { fromChatCompletion, toOpenAIMessages, toOpenAIResponseFormat, toOpenAITools } from "./mapping.js";
import { OPENAI_DEFAULTS, validate, type OpenAIChatModelOptions } from "./options.js";
import { describeEndpoint, redact, safeCause } from "./redact.js";
import { streamParts } from "./stream.js";

type ErrorClasses = Pick<
  typeof OpenAI,
  "APIError" | "APIUserAbortError" | "APIConnectionError" | "APIConnectionTimeoutError"
>;

const OWN_CLASSES: ErrorClasses = { APIError, APIUserAbortError, APIConnectionError, APIConnectionTimeoutError };

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
    const body: ChatCompletionCreateParamsNonStreaming = this.#body(request);
    let completion: unknown;
    try {
      completion = await this.#create(body, request.signal);
    } catch (error) {
      throw this.#wrap(error, request.signal);
    }
    return fromChatCompletion(completion, this.model);
  }

  /**
   * Asks the model once with `stream: true` over SSE: text deltas as they
   * arrive, each tool call whole once its pieces are assembled, and a last
   * `finish` with the usage the server sends in its final chunk
   * (`stream_options.include_usage`). Retries cover the request until the
   * server answers, not a stream that breaks off later (`ModelConnectionError`).
   * Ending the iteration early (or the request's signal) cancels the request.
   */
  async *stream(request: ModelRequest): AsyncGenerator<ModelStreamPart> {
    // The fresh body gets the two fields, not a spread copy: on Node 20 a field added after a spread costs about 1 µs.
    const body: ChatCompletionCreateParamsStreaming = Object.assign(this.#body(request), {
      stream: true as const,
      stream_options: { include_usage: true },
    });
    try {
      const chunks = (await this.#create(body, request.signal)) as AsyncIterable<unknown>;
      yield* streamParts(chunks, this.model);
    } catch (error) {
      throw this.#wrap(error, request.signal, true);
    }
  }

  #body(request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
    const responseFormat = toOpenAIResponseFormat(request.responseFormat);
    return {
      model: this.model,
      messages: toOpenAIMessages(request.messages),
      ...(request.tools.length > 0 ? { tools: toOpenAITools(request.tools) } : {}),
      ...(this.#temperature !== undefined ? { temperature: this.#temperature } : {}),
      ...(responseFormat !== undefined ? { response_format: responseFormat } : {}),
    };
  }

  /** One `create` call under the per-attempt limit (past 2^31-1 ms too); resolves once the server answered. */
  #create(
    body: ChatCompletionCreateParamsNonStreaming | ChatCompletionCreateParamsStreaming,
    signal: AbortSignal,
  ): Promise<unknown> {
    const timeoutMs = this.#timeoutMs;
    const retries = this.#maxRetries !== undefined ? { maxRetries: this.#maxRetries } : {};
    if (timeoutMs === undefined || timeoutMs <= MAX_TIMER_MS) {
      return this.#client.chat.completions.create(body, {
        signal,
        ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
        ...retries,
      });
    }
    // An injected client's timer cannot run past 2^31-1 ms: it gets its
    // longest, and one deadline of ours covers the whole limit.
    return withDeadline(
      (deadline) => this.#client.chat.completions.create(body, { signal: deadline, timeout: MAX_TIMER_MS, ...retries }),
      {
        timeoutMs,
        signal,
        timeoutError: (ms) => new ModelTimeoutError(ms, `The ${this.#where} did not answer within ${ms} ms`),
        abortError: () => signal.reason as unknown,
      },
    );
  }

  #is<K extends keyof ErrorClasses>(error: unknown, kind: K): boolean {
    return this.#errors.some((classes) => error instanceof classes[kind]);
  }

  get #where(): string {
    return `model "${this.model}" at ${this.endpoint}`;
  }

  #wrap(error: unknown, signal: AbortSignal, streaming = false): CortexError {
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
    if (streaming) {
      // The answer had begun: the body broke off or held a chunk that is not JSON.
      return new ModelConnectionError(`The stream of ${where} broke off: ${detail}`, { cause });
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
