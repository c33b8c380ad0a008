import {
  ModelAbortedError,
  delay,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamPart,
  type ModelToolCall,
} from "@cortex/primitives";
import { ScriptExhaustedError } from "./errors.js";

/** What a scripted model is asked: the model request of `@cortex/primitives`. */
export type ScriptedRequest = ModelRequest;

/**
 * A streamed answer: the parts `stream` yields, in order (a `finish` part
 * carries usage), each after `partDelayMs` (default 0: no wait).
 * `generate` answers the same step with the parts joined into one response.
 */
export interface ScriptedStream {
  stream: ModelStreamPart[];
  partDelayMs?: number;
}

/**
 * A step of a script: an answer (text and/or tool calls, with `usage` and
 * `finishReason` if you like), a streamed answer, or a function computing
 * either from the request (to echo, throw or hang).
 */
export type ScriptStep =
  | ModelResponse
  | ScriptedStream
  | ((request: ModelRequest) => ModelResponse | ScriptedStream | Promise<ModelResponse | ScriptedStream>);

/** Options of `new ScriptedModel`. */
export interface ScriptedModelOptions {
  /** Replay the script from the start for each `runId`, so concurrent runs can share one model. Default false. */
  perRun?: boolean;
  /** Offer `stream` (default true); false makes a model with `generate` only, as some adapters are. */
  streaming?: boolean;
}

const isStream = (step: unknown): step is ScriptedStream =>
  typeof step === "object" && step !== null && Array.isArray((step as { stream?: unknown }).stream);

/** The parts of a streamed answer joined into one response, as a provider's non-streaming answer would be. */
function joined(parts: readonly ModelStreamPart[]): ModelResponse {
  let content: string | undefined;
  const toolCalls: ModelToolCall[] = [];
  const response: ModelResponse = {};
  for (const part of parts) {
    if (part.type === "text-delta") content = (content ?? "") + part.text;
    else if (part.type === "tool-call") {
      const { type: _type, ...call } = part;
      toolCalls.push(call);
    } else {
      if (part.usage !== undefined) response.usage = part.usage;
      if (part.finishReason !== undefined) response.finishReason = part.finishReason;
    }
  }
  if (content !== undefined) response.content = content;
  if (toolCalls.length > 0) response.toolCalls = toolCalls;
  return response;
}

/** A whole answer as the parts a provider would stream: its text as one delta, each tool call, then `finish`. */
function split(response: ModelResponse): ModelStreamPart[] {
  const parts: ModelStreamPart[] = [];
  if (response.content) parts.push({ type: "text-delta", text: response.content });
  for (const call of response.toolCalls ?? []) parts.push({ type: "tool-call", ...call });
  const finish: ModelStreamPart = { type: "finish" };
  if (response.usage !== undefined) finish.usage = response.usage;
  if (response.finishReason !== undefined) finish.finishReason = response.finishReason;
  parts.push(finish);
  return parts;
}

/**
 * A deterministic `ModelClient`: replays its script in order, one step per
 * `generate` or `stream` call, and records every request it received. A
 * step may be an answer or a streamed answer; either method answers either
 * kind (`generate` joins streamed parts, `stream` splits a whole answer), so
 * a test can script once and run both ways. With `{ perRun: true }` each
 * run id gets the script from the start.
 */
export class ScriptedModel implements ModelClient {
  /** Every request received, in order (messages copied at the time of the call). */
  readonly requests: ModelRequest[] = [];
  /** Answers the next step part by part; absent when made with `streaming: false`. */
  readonly stream?: (request: ModelRequest) => AsyncIterable<ModelStreamPart>;
  readonly #steps: readonly ScriptStep[];
  readonly #perRun: boolean;
  readonly #positions = new Map<string, number>();
  #position = 0;

  /** `steps` is copied; see {@link ScriptedModelOptions}. */
  constructor(steps: readonly ScriptStep[], options: ScriptedModelOptions = {}) {
    this.#steps = [...steps];
    this.#perRun = options.perRun ?? false;
    if (options.streaming !== false) this.stream = (request) => this.#streamed(request);
  }

  /** How many steps have been used (in per-run mode: by all runs together). */
  get used(): number {
    return this.#position;
  }

  /** How many steps are left (not meaningful in per-run mode). */
  get remaining(): number {
    return Math.max(0, this.#steps.length - this.#position);
  }

  /** Records the request and takes the next step, resolved and copied; `CORTEX_SCRIPT_EXHAUSTED` past the end. */
  async #next(request: ModelRequest): Promise<ModelResponse | ScriptedStream> {
    // Not `{ ...request, messages, tools }`: on Node 20 a field added after a spread costs about 1 µs.
    this.requests.push(
      Object.assign({}, request, { messages: structuredClone(request.messages), tools: [...request.tools] }),
    );
    let index: number;
    if (this.#perRun) {
      index = this.#positions.get(request.runId) ?? 0;
      this.#positions.set(request.runId, index + 1);
    } else {
      index = this.#position;
    }
    this.#position += 1;
    const step = this.#steps[index];
    if (step === undefined)
      throw new ScriptExhaustedError(this.#steps.length, this.#perRun ? request.runId : undefined);
    return typeof step === "function" ? step(request) : structuredClone(step);
  }

  /**
   * Records the request, then answers with the next step (a copy of it, so
   * a caller that mutates the answer cannot change the script; a streamed
   * step joined into one response). Rejects with `CORTEX_SCRIPT_EXHAUSTED`
   * when the script (of this run, in per-run mode) has no step left.
   */
  async generate(request: ModelRequest): Promise<ModelResponse> {
    const step = await this.#next(request);
    return isStream(step) ? joined(step.stream) : step;
  }

  async *#streamed(request: ModelRequest): AsyncIterable<ModelStreamPart> {
    const step = await this.#next(request);
    const parts = isStream(step) ? step.stream : split(step);
    const wait = isStream(step) ? (step.partDelayMs ?? 0) : 0;
    const abortError = () => new ModelAbortedError("the request's signal aborted the scripted stream");
    for (const part of parts) {
      if (wait > 0) await delay(wait, { signal: request.signal, abortError });
      if (request.signal.aborted) throw abortError();
      yield part;
    }
  }
}
