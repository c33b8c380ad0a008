import type { Approval, ExecuteOptions, PluginResult } from "@cortex/plugins";
import { isCortexError, toErrorInfo, type ErrorInfo } from "@cortex/primitives";
import { askApprover, type EngineApprover } from "../approval/approver.js";
import { previewOf } from "../approval/checkpoint-preview.js";
import type { ResolvedAgent } from "../engine/agents.js";
import { abortError, RunError } from "../errors.js";
import { copyValue, toJson } from "../json.js";
import type { PersonaRuntime } from "../persona/persona-runtime.js";
import { interruptedCall, journaled, type JournaledResult } from "./call-journal.js";
import { readHandoff } from "./handoff.js";
import { saveRunContexts } from "./run-context.js";
import type { RunEvents } from "./run-events.js";
import type { LoopContext } from "./run-loop.js";
import type { RunSession } from "./run-session.js";
import { epochMs, type Checkpoint, type CheckpointDecision, type PendingToolCall, type RunState } from "./run-state.js";
import { decide, gate, type Ruling, type Verdict } from "./tool-gate.js";
import type { ToolEntry } from "./tool-set.js";

/** How a tool call left the run: going on, or paused at a checkpoint. */
export type ToolOutcome = "done" | "paused";

/** What the executor needs of the engine and the run. */
export interface ToolScope extends LoopContext {
  readonly agent: ResolvedAgent;
  readonly state: RunState;
  readonly signal: AbortSignal;
  readonly persona: PersonaRuntime;
  readonly events: RunEvents;
  readonly tools: ReadonlyMap<string, ToolEntry>;
  readonly session: RunSession;
}

/**
 * Handles one tool call of a run: announces it, asks the gate, gets a
 * decision when the gate asks for one (pausing the run, or from the inline
 * approver), runs it through the registry and tells the model how it ended.
 * Every call announced with `toolCalled` ends with `toolCompleted` or
 * `toolFailed`, also when it fails the run.
 */
export class ToolExecutor {
  constructor(private readonly scope: ToolScope) {}

  /** Handles `call`; `resumed` is the decision of the checkpoint the run was paused at, for the paused call. */
  async call(call: PendingToolCall, resumed: CheckpointDecision | undefined): Promise<ToolOutcome> {
    const { scope } = this;
    const tool = scope.tools.get(call.name);
    // Announced before the pause, so it ends with toolFailed like any call of an aborted run.
    if (resumed !== undefined && scope.signal.aborted) return this.#threw(call, tool, abortError(scope.signal));
    if (resumed === undefined) {
      this.#announce(call);
      if (call.invalid !== undefined) {
        this.failed(call, call.invalid, undefined);
        return "done";
      }
      if (tool === undefined) throw new RunError("CORTEX_UNKNOWN_TOOL", `Tool "${call.name}" is no longer installed`);
      if (tool.builtin === "handoff") return this.#handoff(call, tool);
    }
    let verdict: Verdict;
    try {
      const ruled =
        resumed === undefined ? gate(scope, call, tool!) : decide(call, tool, resumed, scope.state.checkpoint);
      verdict = ruled instanceof Promise ? await ruled : ruled;
    } catch (error) {
      return this.#threw(call, tool, error);
    }
    if ("ask" in verdict) {
      scope.state.checkpoint = verdict.ask;
      if (scope.approver === undefined) return this.#pause(verdict.ask, call, tool!);
      verdict = await this.#askInline(verdict.ask, call, tool, scope.approver);
    }
    // The decision is bound to the checkpoint's exact call; it is spent once this call is handled.
    delete scope.state.checkpoint;
    if ("refuse" in verdict) {
      this.failed(call, verdict.refuse, tool);
      return "done";
    }
    return this.#execute(call, tool!, verdict.run);
  }

  /**
   * `toolCalled` (and the stream's `tool-call`) for a call about to go
   * through the gate. Extensions and readers get a copy, made only when one
   * listens: nothing they do to it can change the call that runs.
   */
  #announce(call: PendingToolCall): void {
    const { events, state } = this.scope;
    const runId = state.runId;
    const given = call.invalid === undefined ? call.args : call.raw;
    // Unheard, the event is only counted (its seq), never delivered: no copy is needed.
    const args = events.hooks.hasSubscribers("toolCalled") ? copyValue(given) : given;
    events.emit("toolCalled", { runId, toolName: call.name, toolCallId: call.id, args });
    events.sink?.push({
      type: "tool-call",
      runId,
      toolCallId: call.id,
      toolName: call.name,
      args: copyValue(given),
    });
  }

  /** Ends a call with `toolFailed`; the model is told why. */
  failed(call: PendingToolCall, error: ErrorInfo, tool: ToolEntry | undefined): void {
    const { scope } = this;
    const { runId } = scope.state;
    if (!this.#tell(call, { ok: false, error })) {
      this.#tell(call, { ok: false, error: { code: String(error.code), message: String(error.message) } });
    }
    scope.events.emit("toolFailed", { runId, toolName: call.name, toolCallId: call.id, error });
    scope.events.sink?.push({ type: "tool-result", runId, toolCallId: call.id, toolName: call.name, ok: false, error });
    if (tool) scope.persona.onToolOutcome({ plugin: tool.plugin, action: tool.action, ok: false, code: error.code });
  }

  /**
   * A call whose gate, approval or execution threw: a Cortex error is a
   * result the model sees; an abort, a run's failure (`RunError`), or
   * anything else, fails the run once the call has ended with `toolFailed`.
   */
  #threw(call: PendingToolCall, tool: ToolEntry | undefined, error: unknown): ToolOutcome {
    const { signal } = this.scope;
    if (signal.aborted) {
      const aborted = abortError(signal);
      this.failed(call, toErrorInfo(aborted), tool);
      throw aborted;
    }
    this.failed(call, toErrorInfo(error), tool);
    if (!isCortexError(error) || error instanceof RunError) throw error;
    return "done";
  }

  async #askInline(
    checkpoint: Checkpoint,
    call: PendingToolCall,
    tool: ToolEntry | undefined,
    approver: EngineApprover,
  ): Promise<Ruling> {
    const { scope } = this;
    const { state, events } = scope;
    events.emit("checkpointCreated", { checkpointId: checkpoint.id, runId: state.runId, reason: checkpoint.reason });
    const asked = epochMs();
    const { shown, bound } = await askApprover(
      approver,
      checkpoint,
      scope.signal,
      scope.settings.approvalTimeoutMs,
      scope.logger,
    );
    // The time spent waiting for the decision is not part of the step, nor of the budget's working time.
    const waited = epochMs() - asked;
    state.stepStartedAt += waited;
    state.waitedMs += waited;
    events.emit("checkpointResolved", { checkpointId: checkpoint.id, runId: state.runId, decision: shown });
    return decide(call, tool, bound, checkpoint);
  }

  /**
   * Pauses the run: the checkpoint gets the plugin's preview of the call
   * (when it offers one in time), its session the turn so far (held until the
   * checkpoint expires), then the run is saved — counting the
   * `checkpointCreated` announced once it is — so a resume anywhere goes on
   * from both.
   */
  async #pause(checkpoint: Checkpoint, call: PendingToolCall, tool: ToolEntry): Promise<ToolOutcome> {
    const { state, store, events, session } = this.scope;
    const announced = events.reserve();
    state.status = "awaiting_approval";
    const preview = await previewOf(checkpoint, this.scope);
    if (preview !== undefined) checkpoint.preview = preview;
    try {
      await session.pause(checkpoint.expiresAt === undefined ? undefined : Date.parse(checkpoint.expiresAt));
    } catch (error) {
      throw this.#unpaused(call, tool, announced.giveBack, error);
    }
    saveRunContexts(this.scope.hooks, state, this.scope.logger);
    try {
      await store.save(state);
    } catch (error) {
      const failure = new RunError("CORTEX_RUN_STORE_FAILED", "The paused run could not be saved to the run store", {
        cause: error,
      });
      throw this.#unpaused(call, tool, announced.giveBack, failure);
    }
    const { runId } = state;
    events.emitAt(announced.seq, "checkpointCreated", {
      checkpointId: checkpoint.id,
      runId,
      reason: checkpoint.reason,
    });
    events.sink?.push({ type: "checkpoint", runId, checkpoint: structuredClone(checkpoint) });
    return "paused";
  }

  /** A pause that could not be kept: the call ends with the failure, which then fails the run. */
  #unpaused(call: PendingToolCall, tool: ToolEntry, giveBack: () => void, failure: unknown): unknown {
    const { state } = this.scope;
    giveBack();
    state.status = "running";
    delete state.checkpoint;
    this.failed(call, toErrorInfo(failure), tool);
    return failure;
  }

  async #execute(call: PendingToolCall, tool: ToolEntry, approval: Approval | undefined): Promise<ToolOutcome> {
    const { plugins, state, signal } = this.scope;
    const started = performance.now();
    const options: ExecuteOptions = { signal, callId: call.id };
    if (state.principal) options.principal = state.principal;
    if (approval) options.approval = approval;
    const journal = this.scope.callJournal;
    const execute = () => plugins.execute(tool.plugin, tool.action, call.args, options);
    let ran: JournaledResult | "interrupted";
    try {
      // Without a journal the call runs as it is, with no wrapper to wait through.
      ran =
        journal === undefined
          ? { result: await execute() }
          : await journaled(journal, plugins, state, call, tool, approval, signal, execute);
    } catch (error) {
      return this.#threw(call, tool, error);
    }
    if (ran === "interrupted") {
      this.failed(call, interruptedCall(call.name), tool);
      return "done";
    }
    this.#report(call, tool, ran.result, started);
    // The call ran and the model has its result; a journal that lost track of it fails the run (see the README).
    if (ran.unrecorded !== undefined) throw ran.unrecorded;
    return "done";
  }

  /** Tells the model (and extensions, and the stream) how a call that ran ended: its data, or its failure. */
  #report(call: PendingToolCall, tool: ToolEntry, result: PluginResult, started: number): void {
    if (result?.success !== true) {
      const { code, error } = (result ?? {}) as { code?: unknown; error?: unknown };
      const message = typeof error === "string" ? error : `${call.name} failed`;
      this.failed(call, { code: typeof code === "string" ? code : "CORTEX_TOOL_FAILED", message }, tool);
      return;
    }
    // The model's message is written before extensions see the result, so none can change it.
    if (!this.#tell(call, { ok: true, data: result.data ?? null })) {
      const message = `${call.name} returned data that JSON cannot hold (a BigInt, a cycle, a failing toJSON)`;
      this.failed(call, { code: "CORTEX_RESULT_NOT_JSON", message }, tool);
      return;
    }
    this.#completed(call, result, performance.now() - started);
    this.scope.persona.onToolOutcome({ plugin: tool.plugin, action: tool.action, ok: true });
  }

  /** Ends a call that succeeded, once the model has its result: `toolCompleted` and the stream's `tool-result`. */
  #completed(call: PendingToolCall, result: PluginResult, elapsedMs: number): void {
    const { events, state } = this.scope;
    const { runId } = state;
    events.emit("toolCompleted", { runId, toolName: call.name, toolCallId: call.id, result, elapsedMs });
    const data = result.data ?? null;
    events.sink?.push({ type: "tool-result", runId, toolCallId: call.id, toolName: call.name, ok: true, data });
  }

  #handoff(call: PendingToolCall, tool: ToolEntry): ToolOutcome {
    const { state, agent, events, settings, startable } = this.scope;
    const handoff = readHandoff(
      call.args,
      agent.definition.handoffs ?? [],
      state.handoffDepth ?? 0,
      settings.maxHandoffs,
      startable,
    );
    if ("error" in handoff) {
      this.failed(call, handoff.error, tool);
      return "done";
    }
    const { runId } = state;
    events.emit("agentHandoff", {
      orchestrationId: state.orchestration?.id ?? runId,
      from: state.agentId,
      to: handoff.to,
      payload: { message: handoff.message },
      runId,
    });
    const result = { success: true, data: { handedOffTo: handoff.to } };
    this.#tell(call, { ok: true, data: result.data });
    this.#completed(call, result, 0);
    state.handoff = handoff;
    state.output = handoff.message;
    state.status = "completed";
    return "done";
  }

  /** Writes the tool message the model gets; false, and nothing written, when `body` is not JSON. */
  #tell(call: PendingToolCall, body: unknown): boolean {
    const content = toJson(body);
    if (content === undefined) return false;
    this.scope.state.messages.push({ role: "tool", toolCallId: call.id, name: call.name, content });
    return true;
  }
}
