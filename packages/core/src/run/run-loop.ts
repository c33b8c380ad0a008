import { randomUUID } from "node:crypto";
import type { HookBus } from "@cortex/hooks";
import type { PluginRegistry } from "@cortex/plugins";
import {
  isCortexError,
  onAbort,
  toErrorInfo,
  type DeadlineOptions,
  type ErrorInfo,
  type Logger,
  type ModelClient,
  type ModelMessage,
  type ToolDefinition,
} from "@cortex/primitives";
import type { EngineApprover } from "../approval/approver.js";
import type { ResolvedAgent } from "../engine/agents.js";
import type { EngineSettings } from "../engine/options.js";
import { abortError, RunError } from "../errors.js";
import { PersonaRuntime } from "../persona/persona-runtime.js";
import type { ResolvedPersona } from "../persona/persona.js";
import type { RunStore } from "../store/run-store.js";
import { HANDOFF_TOOL, handoffTool } from "./handoff.js";
import { callModel, modelDeadline } from "./model-request.js";
import { readResponse } from "./model-response.js";
import { RunEvents } from "./run-events.js";
import { epochMs, resultOf, type CheckpointDecision, type RunResult, type RunState } from "./run-state.js";
import { ToolExecutor } from "./tool-executor.js";
import { buildToolSet, type ToolEntry } from "./tool-set.js";

const noop = (): void => undefined;

/** What the loop needs from the engine. */
export interface LoopContext {
  readonly model: ModelClient;
  readonly plugins: PluginRegistry;
  readonly hooks: HookBus;
  readonly logger: Logger;
  readonly store: RunStore;
  readonly approver: EngineApprover | undefined;
  readonly settings: EngineSettings;
  /** Why an agent cannot start a run (unknown, or its persona is missing); checked before a handoff. */
  readonly startable: (agentId: string) => ErrorInfo | undefined;
}

/** Drives one run from its state until it completes, fails or pauses at a checkpoint. */
export class RunLoop {
  readonly #tools: Map<string, ToolEntry>;
  readonly #persona: PersonaRuntime;
  readonly #events: RunEvents;
  readonly #executor: ToolExecutor;
  readonly #signal: AbortSignal;
  readonly #modelDeadline: DeadlineOptions;
  /** The tools offered in the current phase; they change only when the phase does. */
  #offered: { phase: string | undefined; tools: ToolDefinition[] } | undefined;

  constructor(
    private readonly ctx: LoopContext,
    private readonly agent: ResolvedAgent,
    persona: ResolvedPersona | undefined,
    private readonly state: RunState,
    private readonly run: AbortController,
  ) {
    this.#signal = run.signal;
    this.#modelDeadline = modelDeadline(run.signal, ctx.settings.modelTimeoutMs);
    this.#tools = buildToolSet(ctx.plugins.listActions(), agent.allows, (name, reason) =>
      ctx.logger.warn(`tool left out: ${reason}`, { tool: name }),
    );
    const handoffs = agent.definition.handoffs ?? [];
    if (handoffs.length > 0) this.#tools.set(HANDOFF_TOOL, handoffTool(handoffs));
    this.#events = new RunEvents(ctx.hooks, state.orchestration?.id);
    this.#persona = new PersonaRuntime(persona, agent, state.mind, state.runId, ctx.hooks);
    this.#executor = new ToolExecutor({
      ...ctx,
      agent,
      state,
      signal: this.#signal,
      persona: this.#persona,
      events: this.#events,
      tools: this.#tools,
    });
  }

  /** Runs until the end or the next checkpoint. `decision` resolves the checkpoint the run is paused at. */
  async drive(decision?: CheckpointDecision): Promise<RunResult> {
    const { state } = this;
    // Holds the run signal's one abort listener for the whole run, so each wait inside it (a model call, an
    // approval) joins that listener instead of adding and removing its own.
    const release = onAbort(this.#signal, noop);
    try {
      const first = state.messages[0];
      this.#persona.onRunStart(first?.role === "user" ? first.content : "");
      if (this.#persona.stopped) return this.#stop();
      let answer = decision;
      for (;;) {
        while (state.pending.length > 0) {
          const call = state.pending[0]!;
          // A resumed call was announced before the pause: the executor ends it with toolFailed when the run is aborted.
          if (answer === undefined) this.#checkAbort();
          if ((await this.#executor.call(call, answer)) === "paused") return resultOf(state);
          answer = undefined;
          state.pending.shift();
          if (this.#persona.stopped || state.handoff) state.pending = [];
        }
        if (state.inStep) {
          // A step whose run was aborted fails: it gets runFailed, never stepCompleted.
          this.#checkAbort();
          this.#endStep();
          if (this.#persona.stopped) return this.#stop();
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
    } finally {
      release();
    }
  }

  #checkAbort(): void {
    if (this.#signal.aborted) throw abortError(this.#signal);
  }

  /** The tools the model is offered in the current phase. */
  #offeredTools(): ToolDefinition[] {
    const phase = this.state.mind.phase;
    if (this.#offered?.phase !== phase || this.#offered === undefined) {
      const tools: ToolDefinition[] = [];
      for (const tool of this.#tools.values()) {
        if (tool.builtin !== undefined || this.#persona.toolAvailable(tool.plugin, tool.action))
          tools.push(tool.definition);
      }
      this.#offered = { phase, tools };
    }
    return this.#offered.tools;
  }

  async #step(): Promise<void> {
    const { state, ctx } = this;
    this.#checkAbort();
    state.inStep = true;
    state.stepStartedAt = epochMs();
    this.#events.run("stepStarted", { runId: state.runId, stepIndex: state.stepIndex });
    this.#persona.onStepStart(state.stepIndex);
    if (this.#persona.stopped) return;
    const system = this.#persona.systemPrompt();
    const messages: ModelMessage[] = system
      ? [{ role: "system", content: system }, ...state.messages]
      : state.messages.slice();
    const request = {
      messages,
      tools: this.#offeredTools().slice(),
      signal: this.#signal,
      agentId: state.agentId,
      runId: state.runId,
    };
    const response = await callModel(ctx.model, request, this.#modelDeadline, (reason) => this.run.abort(reason));
    const { content, calls } = readResponse(response, this.#tools, () => `call_${randomUUID()}`);
    const answer: Extract<ModelMessage, { role: "assistant" }> = { role: "assistant" };
    if (content !== undefined) answer.content = content;
    if (calls.length > 0) answer.toolCalls = calls.map(({ id, name, args }) => ({ id, name, arguments: args }));
    state.messages.push(answer);
    if (calls.length === 0) {
      state.output = content ?? "";
      state.status = "completed";
    } else {
      state.pending = calls;
    }
  }

  #endStep(): void {
    const { state } = this;
    this.#events.run("stepCompleted", {
      runId: state.runId,
      stepIndex: state.stepIndex,
      elapsedMs: Math.max(0, epochMs() - state.stepStartedAt),
    });
    state.inStep = false;
    state.stepIndex += 1;
    this.#persona.onStepEnd();
  }

  #stop(): RunResult {
    const { state } = this;
    state.pending = [];
    if (state.inStep) this.#endStep();
    state.output = this.#persona.stopped!.message;
    state.status = "completed";
    return this.#complete();
  }

  #complete(): RunResult {
    const { state } = this;
    this.#events.run("runCompleted", {
      agentId: state.agentId,
      runId: state.runId,
      output: state.output ?? "",
      elapsedMs: Math.max(0, epochMs() - state.startedAt),
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
    this.#events.run("runFailed", { agentId: state.agentId, runId: state.runId, error: info });
    return resultOf(state);
  }
}
