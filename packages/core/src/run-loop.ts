import { randomUUID } from "node:crypto";
import type { HookBus } from "@cortex/hooks";
import type { Logger, PluginRegistry, PluginResult } from "@cortex/plugins";
import type { ResolvedAgent } from "./agent.js";
import { askApprover, createCheckpoint, refusal, registryApproval, type EngineApprover } from "./checkpoints.js";
import { HANDOFF_TOOL, handoffTool, readHandoff } from "./handoff.js";
import { RunMind } from "./mind.js";
import type { ResolvedPersona } from "./persona.js";
import { isCortexError, RunError, toErrorInfo, type ErrorInfo } from "./errors.js";
import type { ModelClient, ModelMessage } from "./model.js";
import { abortError, untilAborted } from "./abort.js";
import { callModel, readResponse } from "./model-call.js";
import {
  resultOf,
  type Checkpoint,
  type CheckpointDecision,
  type PendingToolCall,
  type RunResult,
  type RunState,
} from "./run-state.js";
import type { RunStore } from "./run-store.js";
import { buildToolSet, type ToolEntry } from "./tools.js";

/** What the loop needs from the engine. */
export interface LoopContext {
  readonly model: ModelClient;
  readonly plugins: PluginRegistry;
  readonly hooks: HookBus;
  readonly logger: Logger;
  readonly store: RunStore;
  readonly approver: EngineApprover | undefined;
  readonly modelTimeoutMs: number;
  readonly approvalTimeoutMs: number;
  readonly maxHandoffs: number;
  /** Why an agent cannot start a run (unknown, or its persona is missing); checked before a handoff. */
  readonly startable: (agentId: string) => ErrorInfo | undefined;
}

type ToolOutcome = "done" | "paused";

/** Drives one run from its state until it completes, fails or pauses at a checkpoint. */
export class RunLoop {
  readonly #tools: Map<string, ToolEntry>;
  readonly #mind: RunMind;

  constructor(
    private readonly ctx: LoopContext,
    private readonly agent: ResolvedAgent,
    persona: ResolvedPersona | undefined,
    private readonly state: RunState,
    private readonly signal: AbortSignal,
  ) {
    this.#tools = buildToolSet(ctx.plugins.listActions(), agent.allows, (name, reason) =>
      ctx.logger.warn(`tool left out: ${reason}`, { tool: name }),
    );
    const handoffs = agent.definition.handoffs ?? [];
    if (handoffs.length > 0) this.#tools.set(HANDOFF_TOOL, handoffTool(handoffs));
    this.#mind = new RunMind(persona, agent, state.mind, state.runId, ctx.hooks);
  }

  /** Runs until the end or the next checkpoint. `decision` resolves the checkpoint the run is paused at. */
  async drive(decision?: CheckpointDecision): Promise<RunResult> {
    const { state } = this;
    try {
      const first = state.messages[0];
      this.#mind.onRunStart(first?.role === "user" ? first.content : "");
      if (this.#mind.stopped) return this.#stop();
      let answer = decision;
      for (;;) {
        while (state.pending.length > 0) {
          const call = state.pending[0]!;
          // A resumed call was announced (toolCalled) before the pause: it ends with toolFailed, like any aborted call.
          if (answer !== undefined && this.signal.aborted)
            this.#toolFailed(call, toErrorInfo(abortError(this.signal)), this.#tools.get(call.name));
          this.#checkAbort();
          if ((await this.#toolCall(call, answer)) === "paused") return resultOf(state);
          answer = undefined;
          state.pending.shift();
          if (this.#mind.stopped || state.handoff) state.pending = [];
        }
        if (state.inStep) {
          // A step whose run was aborted fails: it gets runFailed, never stepCompleted.
          this.#checkAbort();
          this.#endStep();
          if (this.#mind.stopped) return this.#stop();
          if (state.status === "completed") return this.#complete();
        }
        if (state.stepIndex >= this.agent.maxSteps) {
          throw new RunError(
            "CORTEX_STEP_LIMIT",
            `Agent "${state.agentId}" reached its limit of ${this.agent.maxSteps} steps`,
          );
        }
        await this.#step();
      }
    } catch (error) {
      return this.#fail(error);
    }
  }

  #checkAbort(): void {
    if (this.signal.aborted) throw abortError(this.signal);
  }

  async #step(): Promise<void> {
    const { state, ctx } = this;
    this.#checkAbort();
    state.inStep = true;
    state.stepStartedAt = Date.now();
    ctx.hooks.emit("stepStarted", { runId: state.runId, stepIndex: state.stepIndex });
    this.#mind.onStepStart(state.stepIndex);
    if (this.#mind.stopped) return;
    const messages: ModelMessage[] = [];
    const system = this.#mind.systemPrompt();
    if (system) messages.push({ role: "system", content: system });
    messages.push(...state.messages);
    const tools = [...this.#tools.values()]
      .filter((t) => t.builtin !== undefined || this.#mind.toolAvailable(t.plugin, t.action))
      .map((t) => t.definition);
    const response = await callModel(
      ctx.model,
      { messages, tools, agentId: state.agentId, runId: state.runId },
      this.signal,
      ctx.modelTimeoutMs,
    );
    const { content, calls } = readResponse(response, this.#tools, () => `call_${randomUUID()}`);
    state.messages.push({
      role: "assistant",
      ...(content !== undefined ? { content } : {}),
      ...(calls.length > 0 ? { toolCalls: calls.map(({ id, name, args }) => ({ id, name, arguments: args })) } : {}),
    });
    if (calls.length === 0) {
      state.output = content ?? "";
      state.status = "completed";
    } else {
      state.pending = calls;
    }
  }

  #endStep(): void {
    const { state } = this;
    this.ctx.hooks.emit("stepCompleted", {
      runId: state.runId,
      stepIndex: state.stepIndex,
      elapsedMs: Date.now() - state.stepStartedAt,
    });
    state.inStep = false;
    state.stepIndex += 1;
    this.#mind.onStepEnd();
  }

  async #toolCall(call: PendingToolCall, decision: CheckpointDecision | undefined): Promise<ToolOutcome> {
    const { state, ctx } = this;
    const tool = this.#tools.get(call.name);
    if (!tool) {
      const gone = { code: "CORTEX_UNKNOWN_TOOL", message: `Tool "${call.name}" is no longer installed` } as const;
      if (decision !== undefined) this.#toolFailed(call, gone, undefined); // announced before the pause
      throw new RunError(gone.code, gone.message);
    }
    // Extensions get a copy: nothing they do to it can change the call that runs.
    if (decision === undefined)
      ctx.hooks.emit("toolCalled", { runId: state.runId, toolName: call.name, args: structuredClone(call.args) });
    if (tool.builtin === "handoff") return this.#handoff(call);
    if (!this.#mind.toolAvailable(tool.plugin, tool.action)) {
      const phase = state.mind.phase ?? "";
      this.#toolFailed(
        call,
        { code: "CORTEX_TOOL_NOT_AVAILABLE", message: `${call.name} is not available in the current phase "${phase}"` },
        tool,
      );
      return "done";
    }
    const needsApproval = tool.tier !== "AUTO" || this.#mind.requiresApproval(tool.plugin, tool.action);
    let approval = decision;
    if (needsApproval && approval === undefined) {
      // Invalid calls go back to the model to correct, and ADMIN calls the
      // principal may not make are refused: nobody is asked to approve them.
      try {
        ctx.plugins.validate(tool.plugin, tool.action, call.args);
        if (tool.tier === "ADMIN") {
          await untilAborted(ctx.plugins.authorize(tool.plugin, tool.action, call.args, state.principal), this.signal);
        }
      } catch (error) {
        if (this.signal.aborted) {
          this.#toolFailed(call, toErrorInfo(abortError(this.signal)), tool);
          throw abortError(this.signal);
        }
        if (!isCortexError(error)) throw error;
        this.#toolFailed(call, toErrorInfo(error), tool);
        return "done";
      }
      const checkpoint = createCheckpoint(state, call, tool);
      state.checkpoint = checkpoint;
      if (!ctx.approver) return this.#pause(checkpoint, call, tool);
      ctx.hooks.emit("checkpointCreated", {
        checkpointId: checkpoint.id,
        runId: state.runId,
        reason: checkpoint.reason,
      });
      const asked = Date.now();
      approval = await askApprover(ctx.approver, checkpoint, this.signal, ctx.approvalTimeoutMs, ctx.logger);
      // The time spent waiting for the decision is not part of the step, as for a paused run.
      state.stepStartedAt += Date.now() - asked;
      ctx.hooks.emit("checkpointResolved", { checkpointId: checkpoint.id, decision: approval });
    }
    // The decision is bound to the checkpoint's exact call; it is spent once this call is handled.
    const approvedId = needsApproval ? state.checkpoint?.approvalId : undefined;
    delete state.checkpoint;
    const refused = needsApproval ? refusal(call, tool, approval, approvedId) : undefined;
    if (refused) {
      this.#toolFailed(call, refused, tool);
      return "done";
    }
    const started = Date.now();
    let result: PluginResult;
    try {
      result = await ctx.plugins.execute(tool.plugin, tool.action, call.args, {
        signal: this.signal,
        callId: call.id,
        ...(state.principal ? { principal: state.principal } : {}),
        ...(tool.tier !== "AUTO" && approval && approvedId ? { approval: registryApproval(approval, approvedId) } : {}),
      });
    } catch (error) {
      if (this.signal.aborted) {
        this.#toolFailed(call, toErrorInfo(abortError(this.signal)), tool);
        throw abortError(this.signal);
      }
      if (!isCortexError(error)) {
        this.#toolFailed(call, toErrorInfo(error), tool);
        throw error;
      }
      this.#toolFailed(call, toErrorInfo(error), tool);
      return "done";
    }
    if (result.success) {
      // The model's message is written before extensions see the result, so none can change it.
      this.#toolMessage(call, { ok: true, data: result.data ?? null });
      ctx.hooks.emit("toolCompleted", {
        runId: state.runId,
        toolName: call.name,
        result,
        elapsedMs: Date.now() - started,
      });
      this.#mind.onToolOutcome({ plugin: tool.plugin, action: tool.action, ok: true });
    } else {
      const code = (result as { code?: string }).code ?? "CORTEX_TOOL_FAILED";
      this.#toolFailed(call, { code, message: result.error ?? `${call.name} failed` }, tool);
    }
    return "done";
  }

  #toolFailed(call: PendingToolCall, error: ErrorInfo, tool: ToolEntry | undefined): void {
    const { code } = error;
    this.#toolMessage(call, { ok: false, error });
    this.ctx.hooks.emit("toolFailed", { runId: this.state.runId, toolName: call.name, error });
    if (tool) this.#mind.onToolOutcome({ plugin: tool.plugin, action: tool.action, ok: false, code });
  }

  #handoff(call: PendingToolCall): ToolOutcome {
    const { state } = this;
    const tool = this.#tools.get(call.name)!;
    const handoff = readHandoff(
      call.args,
      this.agent.definition.handoffs ?? [],
      state.handoffDepth ?? 0,
      this.ctx.maxHandoffs,
      this.ctx.startable,
    );
    if ("error" in handoff) {
      this.#toolFailed(call, handoff.error, tool);
      return "done";
    }
    this.ctx.hooks.emit("agentHandoff", {
      orchestrationId: state.orchestration?.id ?? state.runId,
      from: state.agentId,
      to: handoff.to,
      payload: { message: handoff.message },
    });
    const result = { success: true, data: { handedOffTo: handoff.to } };
    this.#toolMessage(call, { ok: true, data: result.data });
    this.ctx.hooks.emit("toolCompleted", { runId: state.runId, toolName: call.name, result, elapsedMs: 0 });
    state.handoff = handoff;
    state.output = handoff.message;
    state.status = "completed";
    return "done";
  }

  #stop(): RunResult {
    const { state } = this;
    state.pending = [];
    if (state.inStep) this.#endStep();
    state.output = this.#mind.stopped!.message;
    state.status = "completed";
    return this.#complete();
  }

  #toolMessage(call: PendingToolCall, body: unknown): void {
    this.state.messages.push({ role: "tool", toolCallId: call.id, name: call.name, content: JSON.stringify(body) });
  }

  async #pause(checkpoint: Checkpoint, call: PendingToolCall, tool: ToolEntry): Promise<ToolOutcome> {
    const { state, ctx } = this;
    state.status = "awaiting_approval";
    try {
      await ctx.store.save(state);
    } catch (error) {
      state.status = "running";
      delete state.checkpoint;
      const failure = new RunError("CORTEX_RUN_STORE_FAILED", "The paused run could not be saved to the run store", {
        cause: error,
      });
      this.#toolFailed(call, toErrorInfo(failure), tool);
      throw failure;
    }
    ctx.hooks.emit("checkpointCreated", { checkpointId: checkpoint.id, runId: state.runId, reason: checkpoint.reason });
    return "paused";
  }

  #complete(): RunResult {
    const { state } = this;
    this.ctx.hooks.emit("runCompleted", {
      agentId: state.agentId,
      runId: state.runId,
      output: state.output ?? "",
      elapsedMs: Date.now() - state.startedAt,
    });
    return resultOf(state);
  }

  #fail(error: unknown): RunResult {
    const { state } = this;
    const info = toErrorInfo(error);
    if (!isCortexError(error))
      this.ctx.logger.error("run failed on an unexpected error", { runId: state.runId, error });
    state.status = "failed";
    state.error = info;
    state.pending = [];
    this.ctx.hooks.emit("runFailed", { agentId: state.agentId, runId: state.runId, error: info });
    return resultOf(state);
  }
}
