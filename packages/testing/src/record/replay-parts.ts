import { HOOK_NAMES, hookMethodName, type Extension, type HookName } from "@cortex/hooks";
import type { ActionContext, Plugin, PluginResult } from "@cortex/plugins";
import type { ModelClient, ModelRequest, ModelResponse, ModelStreamPart } from "@cortex/primitives";
import { firstDifference } from "./diff.js";
import { shown, type Divergence } from "./divergence.js";
import { keptFields, runIdOf } from "./events.js";
import type { RecordedRunEvent, RecordedModelCall, RecordedToolResult, Recording } from "./format.js";

/** The replayed runs as they happen: their order (mapped to the recording's), their events, where each is. */
export class ReplayLog {
  readonly runs = new Map<string, number>();
  readonly events: RecordedRunEvent[] = [];
  readonly divergences: { divergence: Divergence; order: number }[] = [];
  readonly #seq = new Map<string, number>();
  readonly #step = new Map<string, number>();
  #order = 0;

  /** The extension that feeds the log; `replay` hands it to the setup to register. */
  readonly extension: Extension;

  constructor() {
    const extension: Record<string, unknown> = { name: "replay-log" };
    for (const hook of HOOK_NAMES) extension[hookMethodName(hook)] = (event: unknown) => this.#onEvent(hook, event);
    this.extension = extension as unknown as Extension;
  }

  /** The recording's index of a replayed run (runs map in the order they start). */
  run(runId: string): number {
    let index = this.runs.get(runId);
    if (index === undefined) {
      index = this.runs.size;
      this.runs.set(runId, index);
    }
    return index;
  }

  /** The `seq` of the run's last event, and the step its last `modelCalled` was for. */
  where(runId: string): { seq: number; stepIndex: number } {
    return { seq: this.#seq.get(runId) ?? 0, stepIndex: this.#step.get(runId) ?? 0 };
  }

  /** Notes a divergence where the replay is now. */
  diverge(divergence: Divergence): void {
    this.divergences.push({ divergence, order: this.#order++ });
  }

  #onEvent(hook: HookName, event: unknown): void {
    this.#order++;
    const runId = runIdOf(event);
    const kept = keptFields(hook, event);
    if (runId === undefined || kept === undefined) return;
    const seq = Number((event as { seq?: unknown }).seq ?? 0);
    this.#seq.set(runId, seq);
    if (hook === "modelCalled") this.#step.set(runId, Number((event as { stepIndex?: unknown }).stepIndex));
    this.events.push({ run: this.run(runId), seq, hook, event: kept });
  }
}

/** Thrown into the engine when the model is asked more often than recorded: the run fails, the report says why. */
class ReplayExhausted extends Error {}

/** A model that answers with the recorded answers in order and notes each request that differs from the recorded one. */
export function replayModel(recording: Recording, log: ReplayLog): ModelClient & { used: number } {
  const calls = recording.modelCalls;
  const state = { used: 0 };
  const next = (request: ModelRequest): RecordedModelCall => {
    const run = log.run(request.runId);
    const { seq, stepIndex } = log.where(request.runId);
    const recorded = calls[state.used];
    if (recorded === undefined) {
      const message = `run ${run} (agent "${request.agentId}") asked the model at step ${stepIndex}, but the recording has only ${calls.length} model calls`;
      log.diverge({ kind: "model-call-extra", run, agentId: request.agentId, seq, stepIndex, message });
      throw new ReplayExhausted(message);
    }
    state.used += 1;
    const place = `run ${run} (agent "${request.agentId}"), model call at step ${stepIndex}`;
    if (recorded.agentId !== request.agentId) {
      log.diverge({
        kind: "model-request",
        run,
        agentId: request.agentId,
        seq,
        stepIndex,
        path: "agentId",
        expected: recorded.agentId,
        actual: request.agentId,
        message: `${place}: asked by agent "${request.agentId}", recorded "${recorded.agentId}"`,
      });
      return recorded;
    }
    const actual = JSON.parse(JSON.stringify({ messages: request.messages, tools: request.tools })) as unknown;
    const difference = firstDifference({ messages: recorded.request.messages, tools: recorded.request.tools }, actual);
    if (difference) {
      const what = difference.path.startsWith(".tools") ? "the tools offered differ" : "the messages differ";
      const path = difference.path.replace(/^\./, "");
      log.diverge({
        kind: "model-request",
        run,
        agentId: request.agentId,
        seq,
        stepIndex,
        path,
        expected: difference.expected,
        actual: difference.actual,
        message: `${place}: ${what} at ${path}: recorded ${shown(difference.expected)}, now ${shown(difference.actual)}`,
      });
    }
    return recorded;
  };
  const failed = (call: RecordedModelCall): Error =>
    Object.assign(new Error(call.error!.message), call.error!.code ? { code: call.error!.code } : {});
  const model = {
    get used() {
      return state.used;
    },
    generate(request: ModelRequest): Promise<ModelResponse> {
      try {
        const call = next(request);
        if (call.error) return Promise.reject(failed(call));
        if (call.response) return Promise.resolve(structuredClone(call.response));
        return Promise.resolve(joined(call.stream ?? []));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    async *stream(request: ModelRequest): AsyncIterable<ModelStreamPart> {
      const call = await Promise.resolve(next(request));
      const parts = call.stream ?? split(call.response ?? {});
      for (const part of parts) yield structuredClone(part);
      if (call.error) throw failed(call);
    },
  };
  return model;
}

function joined(parts: readonly ModelStreamPart[]): ModelResponse {
  const response: ModelResponse = {};
  for (const part of parts) {
    if (part.type === "text-delta") response.content = (response.content ?? "") + part.text;
    else if (part.type === "tool-call") {
      const { type: _type, ...call } = part;
      (response.toolCalls ??= []).push(call);
    } else if (part.usage !== undefined) response.usage = part.usage;
  }
  return response;
}

function split(response: ModelResponse): ModelStreamPart[] {
  const parts: ModelStreamPart[] = [];
  if (response.content) parts.push({ type: "text-delta", text: response.content });
  for (const call of response.toolCalls ?? []) parts.push({ type: "tool-call", ...call });
  parts.push(response.usage === undefined ? { type: "finish" } : { type: "finish", usage: response.usage });
  return parts;
}

/**
 * Wraps plugins for a replay: the same name, actions and schemas as the
 * plugin given (so a changed schema shows), answering each call with the
 * recorded result for its tool call id (or, without one, the tool's next
 * recorded result), or running the real plugin when `live`.
 */
export function replayPlugins(recording: Recording, log: ReplayLog, live: boolean) {
  const pending: RecordedToolResult[] = [...recording.toolResults];
  let used = 0;
  const take = (toolName: string, callId: string | undefined): RecordedToolResult | undefined => {
    let at = callId === undefined ? -1 : pending.findIndex((r) => r.toolName === toolName && r.toolCallId === callId);
    if (at === -1) at = pending.findIndex((r) => r.toolName === toolName);
    return at === -1 ? undefined : pending.splice(at, 1)[0];
  };
  const wrap = (plugin: Plugin): Plugin => {
    if (live) return plugin;
    return {
      name: plugin.name,
      version: plugin.version,
      description: plugin.description,
      // Recorded results need no credentials nor connections: the plugin's own setup never runs.
      setup: () => Promise.resolve(),
      teardown: () => Promise.resolve(),
      health: () => plugin.health(),
      listActions: () => plugin.listActions(),
      executeAction(action: string, _params: Record<string, unknown>, context?: ActionContext): Promise<PluginResult> {
        const toolName = `${plugin.name}__${action}`;
        const recorded = take(toolName, context?.callId);
        if (recorded !== undefined) {
          used += 1;
          return Promise.resolve(structuredClone(recorded.result));
        }
        const runs = [...log.runs.entries()];
        const [runId, run] = runs[runs.length - 1] ?? ["", 0];
        const message = `run ${run}: ${toolName} was called (id ${context?.callId ?? "none"}), but the recording has no result for it`;
        log.diverge({ kind: "tool-call", run, seq: log.where(runId).seq, message });
        return Promise.resolve({ success: false, error: message, code: "CORTEX_REPLAY_DIVERGED" });
      },
    };
  };
  return { wrap, used: () => used };
}
