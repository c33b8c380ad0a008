import { HOOK_NAMES, hookMethodName, type Extension, type HookName } from "@cortex/hooks";
import type { CredentialBroker, CredentialOptions, PluginResult } from "@cortex/plugins";
import {
  writeFileAtomic,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamPart,
} from "@cortex/primitives";
import { keptFields, runIdOf } from "./events.js";
import { RECORDING_FORMAT, RECORDING_VERSION, type RecordedModelCall, type Recording } from "./format.js";
import { redactJson } from "./redact.js";

/** Options of `new RunRecorder(options)`. */
export interface RunRecorderOptions {
  /** Texts never written to the recording (replaced by `[REDACTED]`), e.g. API keys. Read when the recording is taken. */
  secrets?: Iterable<string> | (() => Iterable<string>);
  /** Free JSON kept in the recording's `host`, e.g. the settings needed to build the same engine again. */
  host?: Record<string, unknown>;
  /** The recording extension's name on the hook bus. Default `"run-recorder"`. */
  name?: string;
}

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? null)) as T;

/**
 * Records a run as it happens, for `replay`: register `recorder.extension`
 * with the engine, give it `recorder.model(model)` instead of the model
 * (and, to redact what a broker hands out, `recorder.watchBroker(broker)`
 * to the registry), run once, then take `recording()` or `save(file)`.
 * It keeps the model's requests and answers (or streamed parts), each
 * plugin result, each checkpoint decision and every hook event of the
 * runs, with every secret replaced by `[REDACTED]`.
 */
export class RunRecorder {
  /** The extension to register with the engine: it records the hook events, tool results and decisions. */
  readonly extension: Extension;
  readonly #secrets: (() => Iterable<string>) | undefined;
  readonly #handed = new Set<string>();
  readonly #recording: Recording;
  readonly #runs = new Map<string, number>();
  readonly #sessions = new Map<string, string>();
  readonly #steps = new Map<string, number>();
  readonly #lastTool = new Map<string, string>();

  constructor(options: RunRecorderOptions = {}) {
    const { secrets } = options;
    this.#secrets = secrets === undefined ? undefined : typeof secrets === "function" ? secrets : () => secrets;
    this.#recording = {
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      recordedAt: new Date().toISOString(),
      ...(options.host ? { host: copy(options.host) } : {}),
      entry: { agentId: "", input: null },
      runs: [],
      modelCalls: [],
      toolResults: [],
      decisions: [],
      events: [],
    };
    const extension: Record<string, unknown> = {
      name: options.name ?? "run-recorder",
      // Told of each new run by the engine: its session, which runStarted does not carry.
      runStarting: (run: { runId: string; sessionId?: string }) => {
        if (run.sessionId !== undefined) this.#sessions.set(run.runId, run.sessionId);
      },
    };
    for (const hook of HOOK_NAMES) extension[hookMethodName(hook)] = (event: unknown) => this.#onEvent(hook, event);
    this.extension = extension as unknown as Extension;
  }

  /** The model the engine should use: it answers as `inner` does and records every request and answer. */
  model(inner: ModelClient): ModelClient {
    const wrapped: ModelClient = {
      generate: async (request) => {
        const call = this.#modelCall(request);
        try {
          const response = await inner.generate(request);
          call.response = copy<ModelResponse>(response);
          return response;
        } catch (error) {
          call.error = failure(error);
          throw error;
        }
      },
    };
    const stream = inner.stream?.bind(inner);
    if (stream !== undefined) {
      wrapped.stream = (request) => this.#streamed(request, stream);
    }
    return wrapped;
  }

  /** A broker that answers as `broker` does and remembers every secret it hands out, so none is recorded. */
  watchBroker(broker: CredentialBroker): CredentialBroker {
    return {
      get: async (key: string, options?: CredentialOptions) => {
        const value = await (options === undefined ? broker.get(key) : broker.get(key, options));
        if (options?.secret !== false && typeof value === "string") this.#handed.add(value);
        return value;
      },
    };
  }

  /** The recording so far, as plain JSON with every secret redacted. */
  recording(): Recording {
    return JSON.parse(this.toJSON()) as Recording;
  }

  /** The recording as JSON text (indented), every secret redacted. */
  toJSON(): string {
    const secrets = [...this.#handed, ...(this.#secrets?.() ?? [])];
    return redactJson(JSON.stringify(this.#recording, null, 2), secrets);
  }

  /** Writes the recording to `file` (atomically: a reader never sees half a file). */
  async save(file: string): Promise<void> {
    await writeFileAtomic(file, `${this.toJSON()}\n`);
  }

  async *#streamed(
    request: ModelRequest,
    stream: (request: ModelRequest) => AsyncIterable<ModelStreamPart>,
  ): AsyncIterable<ModelStreamPart> {
    const call = this.#modelCall(request);
    const parts: ModelStreamPart[] = [];
    call.stream = parts;
    try {
      for await (const part of stream(request)) {
        parts.push(copy(part));
        yield part;
      }
    } catch (error) {
      call.error = failure(error);
      throw error;
    }
  }

  #modelCall(request: ModelRequest): RecordedModelCall {
    const call: RecordedModelCall = {
      run: this.#runIndex(request.runId, request.agentId),
      agentId: request.agentId,
      stepIndex: this.#steps.get(request.runId) ?? 0,
      request: {
        messages: copy(request.messages),
        tools: copy(request.tools),
        ...(request.responseFormat === undefined ? {} : { responseFormat: copy(request.responseFormat) }),
      },
    };
    this.#recording.modelCalls.push(call);
    return call;
  }

  #runIndex(runId: string, agentId: string): number {
    let index = this.#runs.get(runId);
    if (index === undefined) {
      index = this.#recording.runs.length;
      this.#runs.set(runId, index);
      this.#recording.runs.push({ runId, agentId });
    }
    return index;
  }

  #onEvent(hook: HookName, event: unknown): void {
    const runId = runIdOf(event);
    const kept = keptFields(hook, event);
    if (runId === undefined || kept === undefined) return;
    const e = event as Record<string, unknown>;
    const recording = this.#recording;
    if (hook === "runStarted") {
      const agentId = String(e.agentId);
      if (recording.runs.length === 0) {
        const sessionId = this.#sessions.get(runId);
        recording.entry = { agentId, input: copy(e.input), ...(sessionId === undefined ? {} : { sessionId }) };
      }
      this.#runIndex(runId, agentId);
    }
    const run = this.#runs.get(runId);
    if (run === undefined) return;
    const seq = typeof e.seq === "number" ? e.seq : 0;
    recording.events.push({ run, seq, hook, event: kept });
    if (hook === "modelCalled") this.#steps.set(runId, Number(e.stepIndex));
    else if (hook === "toolCalled") this.#lastTool.set(runId, String(e.toolName));
    else if (hook === "toolCompleted" || hook === "toolFailed") {
      const result: PluginResult =
        hook === "toolCompleted" ? (copy(e.result) as PluginResult) : { success: false, ...failureResult(e.error) };
      const toolCallId = typeof e.toolCallId === "string" ? { toolCallId: e.toolCallId } : {};
      recording.toolResults.push({ run, toolName: String(e.toolName), ...toolCallId, result });
    } else if (hook === "checkpointResolved") {
      const toolName = this.#lastTool.get(runId);
      recording.decisions.push({
        run,
        ...(toolName === undefined ? {} : { toolName }),
        decision: copy(e.decision) as Recording["decisions"][number]["decision"],
      });
    }
  }
}

function failure(error: unknown): { code?: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" ? { code, message } : { message };
}

/** A failed tool call as the plugin result that reproduces it: its message and code. */
function failureResult(error: unknown): { error: string; code?: string } {
  const { code, message } = failure(error);
  const text = typeof error === "object" && error !== null ? (error as { message?: unknown }).message : undefined;
  return { error: typeof text === "string" ? text : message, ...(code === undefined ? {} : { code }) };
}
