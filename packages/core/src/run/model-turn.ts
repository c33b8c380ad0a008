import { randomUUID } from "node:crypto";
import {
  isCortexError,
  toErrorInfo,
  withDeadline,
  type DeadlineSeries,
  type ErrorInfo,
  type FinishReason,
  type ModelMessage,
  type ModelRequest,
  type ModelUsage,
  type ToolDefinition,
} from "@cortex/primitives";
import { OutputInvalidError, RunError } from "../errors.js";
import type { PersonaRuntime } from "../persona/persona-runtime.js";
import { callModel, finishReasonOf, usageOf } from "./model-request.js";
import { readResponse } from "./model-response.js";
import type { RunEvents } from "./run-events.js";
import type { LoopContext } from "./run-loop.js";
import type { PendingToolCall, RunState } from "./run-state.js";
import { correction, type OutputCheck } from "./structured-output.js";
import type { ToolEntry } from "./tool-set.js";

/** What a model turn needs of its run. */
export interface TurnScope {
  readonly ctx: LoopContext;
  readonly state: RunState;
  readonly events: RunEvents;
  readonly persona: PersonaRuntime;
  readonly tools: ReadonlyMap<string, ToolEntry>;
  readonly signal: AbortSignal;
  readonly deadline: DeadlineSeries;
  /** Aborts the whole run: a model call past its deadline fails it. */
  readonly abortRun: (reason: RunError) => void;
  readonly check: OutputCheck | undefined;
}

/**
 * The model's side of a step: the tools offered, the request, the call
 * between `modelCalled` and `modelCompleted` / `modelFailed` (streamed when
 * the run is), and what the answer leads to — tool calls to run (wrong ones
 * told to the model, up to `maxToolRepairs`), the run's end, or a structured
 * answer that does not validate sent back (up to `maxOutputRetries`).
 */
export class ModelTurn {
  /** ADMIN tools the run's principal may not call: never offered (a call to one is still refused by the gate). */
  readonly #hidden = new Set<string>();
  /** The tools offered in the current phase; they change only when the phase does. */
  #offered: { phase: string | undefined; tools: ToolDefinition[] } | undefined;
  /** What the last model call reported, for its step's `step-finish` event (kept only while the run is streamed). */
  report: { usage: ModelUsage | undefined; finishReason: FinishReason | undefined } | undefined;

  constructor(private readonly scope: TurnScope) {}

  /** Asks the registry's policy, once per drive, which ADMIN tools the run's principal may call at all. */
  async hideForbidden(): Promise<void> {
    const { tools, ctx, state, signal } = this.scope;
    const admin = [...tools.entries()].filter(([, tool]) => tool.tier === "ADMIN" && tool.builtin === undefined);
    if (admin.length === 0) return;
    await Promise.all(
      admin.map(async ([name, tool]) => {
        try {
          await withDeadline(ctx.plugins.authorize(tool.plugin, tool.action, {}, state.principal), { signal });
        } catch (error) {
          if (isCortexError(error) && error.code === "CORTEX_FORBIDDEN") this.#hidden.add(name);
        }
      }),
    );
  }

  /** The tools the model is offered in the current phase. */
  #offeredTools(): ToolDefinition[] {
    const phase = this.scope.state.mind.phase;
    if (this.#offered?.phase !== phase || this.#offered === undefined) {
      const tools: ToolDefinition[] = [];
      for (const [name, tool] of this.scope.tools) {
        if (this.#hidden.has(name)) continue;
        if (tool.builtin !== undefined || this.scope.persona.toolAvailable(tool.plugin, tool.action))
          tools.push(tool.definition);
      }
      this.#offered = { phase, tools };
    }
    return this.#offered.tools;
  }

  #request(): ModelRequest {
    const { state, persona, signal } = this.scope;
    const system = persona.systemPrompt();
    const messages: ModelMessage[] = system
      ? [{ role: "system", content: system }, ...state.messages]
      : state.messages.slice();
    const request: ModelRequest = {
      messages,
      tools: this.#offeredTools().slice(),
      signal,
      agentId: state.agentId,
      runId: state.runId,
    };
    const { structured } = state;
    if (structured !== undefined) {
      const schema = structured.schema ? { schema: structured.schema } : {};
      request.responseFormat = { type: "json", name: "output", ...schema };
    }
    return request;
  }

  /** Asks the model and acts on its answer: pending tool calls, the run's end, or a correction to answer. */
  async take(): Promise<void> {
    const { ctx, state, events, deadline, abortRun } = this.scope;
    const { runId, stepIndex } = state;
    const request = this.#request();
    events.emit("modelCalled", { runId, stepIndex });
    const started = performance.now();
    const sink = events.sink;
    let read: ReturnType<typeof readResponse>;
    try {
      const onDelta = sink && ((text: string) => sink.push({ type: "text-delta", runId, stepIndex, text }));
      const response = await callModel(ctx.model, request, deadline, abortRun, onDelta);
      state.modelCalls += 1;
      const offered = () => this.#offeredTools().map((tool) => tool.name);
      read = readResponse(response, this.scope.tools, () => `call_${randomUUID()}`, offered);
      const usage = usageOf(response);
      if (usage !== undefined) {
        state.usage.inputTokens += usage.inputTokens;
        state.usage.outputTokens += usage.outputTokens;
      }
      if (sink !== undefined) this.report = { usage, finishReason: finishReasonOf(response) };
      const elapsedMs = performance.now() - started;
      events.emit("modelCompleted", usage ? { runId, stepIndex, usage, elapsedMs } : { runId, stepIndex, elapsedMs });
    } catch (error) {
      events.emit("modelFailed", { runId, stepIndex, error: toErrorInfo(error) });
      throw error;
    }
    const { content, calls } = read;
    this.#countRepairs(calls);
    const answer: Extract<ModelMessage, { role: "assistant" }> = { role: "assistant" };
    if (content !== undefined) answer.content = content;
    if (calls.length > 0) {
      // A wrong call is echoed as the model made it, so its error answers what it said.
      answer.toolCalls = calls.map(({ id, name, args, invalid, raw }) => ({
        id,
        name,
        arguments: invalid ? raw : args,
      }));
    }
    state.messages.push(answer);
    if (calls.length === 0) await this.#answered(content ?? "");
    else state.pending = calls;
  }

  /** Counts the step's wrong tool calls; past `maxToolRepairs` for the run, it fails with the first one's code. */
  #countRepairs(calls: readonly PendingToolCall[]): void {
    const wrong = calls.filter((call) => call.invalid !== undefined);
    if (wrong.length === 0) return;
    const { state, ctx } = this.scope;
    const max = ctx.settings.maxToolRepairs;
    state.toolRepairs += wrong.length;
    if (state.toolRepairs <= max) return;
    const first: ErrorInfo = wrong[0]!.invalid!;
    throw new RunError(
      first.code as "CORTEX_UNKNOWN_TOOL" | "CORTEX_INVALID_TOOL_CALL",
      `${first.message}. The model made ${state.toolRepairs} wrong tool calls in this run, more than maxToolRepairs (${max})`,
    );
  }

  /** The model answered without tool calls: the run completes, or a structured answer that does not validate goes back. */
  async #answered(content: string): Promise<void> {
    const { state, check, ctx } = this.scope;
    if (check === undefined) {
      state.output = content;
      state.status = "completed";
      return;
    }
    const verdict = await check(content);
    const structured = state.structured!;
    if ("value" in verdict) {
      state.output = content;
      state.value = verdict.value;
      state.status = "completed";
      const from = structured.firstInvalid;
      // The corrections are part of this run, not of the conversation: the session keeps the valid answer.
      if (from !== undefined && from >= (state.session?.saved ?? 0)) {
        state.messages.splice(from, state.messages.length - 1 - from);
      }
      return;
    }
    const max = ctx.settings.maxOutputRetries;
    if (structured.retries >= max) throw new OutputInvalidError(content, verdict.issues, max);
    structured.retries += 1;
    structured.firstInvalid ??= state.messages.length - 1;
    state.messages.push({ role: "user", content: correction(verdict.issues) });
  }
}
