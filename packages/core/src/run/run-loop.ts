import type { ApprovalDecision, HookBus } from "@cortex/hooks";
import type { PluginRegistry } from "@cortex/plugins";
import {
  isCortexError,
  onAbort,
  toErrorInfo,
  type DeadlineSeries,
  type ErrorInfo,
  type Logger,
  type ModelClient,
  type ModelMessage,
} from "@cortex/primitives";
import type { EngineApprover } from "../approval/approver.js";
import type { ResolvedAgent } from "../engine/agents.js";
import type { EngineSettings } from "../engine/options.js";
import { abortError, OutputInvalidError, RunError } from "../errors.js";
import { PersonaRuntime } from "../persona/persona-runtime.js";
import type { ResolvedPersona } from "../persona/persona.js";
import type { RunStore } from "../store/run-store.js";
import type { SessionStore } from "../store/session-store.js";
import { enforceBudget } from "./budget.js";
import type { CallJournal } from "./call-journal.js";
import { HANDOFF_TOOL, handoffTool } from "./handoff.js";
import { modelDeadline } from "./model-request.js";
import { ModelTurn } from "./model-turn.js";
import { setUpUnlisted } from "./plugin-setup.js";
import { isDurable, saveProgress, type DurableRunStore } from "./progress.js";
import { RunEvents, type RunSink } from "./run-events.js";
import { RunSession } from "./run-session.js";
import type { StepFinishEvent } from "./stream-events.js";
import { epochMs, resultOf, type CheckpointDecision, type RunResult, type RunState } from "./run-state.js";
import type { OutputCheck } from "./structured-output.js";
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
  readonly sessions: SessionStore;
  readonly approver: EngineApprover | undefined;
  readonly callJournal?: CallJournal | undefined;
  readonly settings: EngineSettings;
  /** Why an agent cannot start a run (unknown, or its persona is missing); checked before a handoff. */
  readonly startable: (agentId: string) => ErrorInfo | undefined;
}

/** How a drive begins: a new run, announced with `runStarted`; a resumed one, with `checkpointResolved`; or one continued after a crash. */
export type DriveEntry =
  | { readonly kind: "start"; readonly input: unknown }
  | { readonly kind: "continue" }
  | {
      readonly kind: "resume";
      readonly shown: ApprovalDecision;
      readonly bound: CheckpointDecision;
      /** Why the run cannot go on (its session was taken meanwhile): it fails at once. */
      readonly refused?: unknown;
    };

/** What a run has besides its state: the stream it feeds, and the check of its structured answer. */
export interface RunExtras {
  readonly sink?: RunSink | undefined;
  readonly check?: OutputCheck | undefined;
}

/** Drives one run from its state until it completes, fails or pauses at a checkpoint. */
export class RunLoop {
  /** Filled as the drive begins (see `#readTools`); the turn and the executor hold this same map. */
  readonly #tools = new Map<string, ToolEntry>();
  readonly #persona: PersonaRuntime;
  readonly #turn: ModelTurn;
  readonly #events: RunEvents;
  readonly #executor: ToolExecutor;
  readonly #session: RunSession;
  readonly #signal: AbortSignal;
  /** The model calls' deadline, closed when the drive stops. */
  readonly #deadline: DeadlineSeries;
  /** The run store when it keeps every run's progress: only then is a step saved before its calls run. */
  readonly #durable: DurableRunStore | undefined;

  constructor(
    private readonly ctx: LoopContext,
    private readonly agent: ResolvedAgent,
    private readonly persona: ResolvedPersona | undefined,
    private readonly state: RunState,
    private readonly run: AbortController,
    extras: RunExtras = {},
  ) {
    this.#signal = run.signal;
    this.#durable = isDurable(ctx.store) ? ctx.store : undefined;
    this.#events = new RunEvents(ctx.hooks, state, extras.sink);
    this.#persona = new PersonaRuntime(persona, agent, state.mind, state.runId, this.#events);
    this.#session = new RunSession(ctx.sessions, state, ctx.settings.sessionLeaseMs);
    this.#deadline = modelDeadline(run.signal, ctx.settings.modelTimeoutMs);
    this.#turn = new ModelTurn({
      ctx,
      state,
      events: this.#events,
      persona: this.#persona,
      tools: this.#tools,
      signal: this.#signal,
      deadline: this.#deadline,
      abortRun: (reason) => run.abort(reason),
      check: extras.check,
    });
    // Every field named, not `...ctx` and more: on Node 20 each field added after a spread costs about
    // 1 µs, here about 12 µs a run, more than the rest of a short run's start together.
    this.#executor = new ToolExecutor({
      model: ctx.model,
      plugins: ctx.plugins,
      hooks: ctx.hooks,
      logger: ctx.logger,
      store: ctx.store,
      sessions: ctx.sessions,
      approver: ctx.approver,
      callJournal: ctx.callJournal,
      settings: ctx.settings,
      startable: ctx.startable,
      agent,
      state,
      signal: this.#signal,
      persona: this.#persona,
      events: this.#events,
      tools: this.#tools,
      session: this.#session,
    });
  }

  /** Runs until the end or the next checkpoint. */
  async drive(entry: DriveEntry): Promise<RunResult> {
    const { state } = this;
    // Holds the run signal's one abort listener for the whole run, so each wait inside it (a model call, an
    // approval) joins that listener instead of adding and removing its own.
    const release = onAbort(this.#signal, noop);
    try {
      this.#announce(entry);
      await this.#readTools();
      let answer = entry.kind === "resume" ? entry.bound : undefined;
      if (entry.kind === "resume" && entry.refused !== undefined) this.#refuseResume(entry.refused);
      await this.#turn.hideForbidden();
      if (!state.mind.inputChecked) this.#persona.onRunStart(inputText(state.messages.slice(state.inputStart)));
      if (this.#persona.stopped) return await this.#stop();
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
          if (this.#persona.stopped) return await this.#stop();
          if (state.status === "completed") return await this.#complete();
        }
        if (state.stepIndex >= this.agent.maxSteps) {
          throw new RunError(
            "CORTEX_STEP_LIMIT",
            `Agent "${state.agentId}" reached its limit of ${this.agent.maxSteps} steps`,
          );
        }
        if (state.budget !== undefined) enforceBudget(state, epochMs());
        if (state.session !== undefined) await this.#session.renew(Date.now());
        await this.#step();
        if (this.#durable) await saveProgress(this.#durable, state);
      }
    } catch (error) {
      return await this.#fail(error);
    } finally {
      release();
      this.#deadline.close();
    }
  }

  /**
   * The run's tools, read once its agent's plugins whose actions appear only
   * at setup (an MCP server's) are set up: on every drive, so a run resumed
   * in another process finds the tool it paused at.
   */
  async #readTools(): Promise<void> {
    const { ctx, agent } = this;
    const run = { runId: this.state.runId, logger: ctx.logger, signal: this.#signal };
    let actions = ctx.plugins.listActions();
    if (await setUpUnlisted(ctx.plugins, agent.definition.tools, run, actions)) actions = ctx.plugins.listActions();
    const tools = buildToolSet(actions, agent.allows, (name, reason) =>
      ctx.logger.warn(`tool left out: ${reason}`, { tool: name }),
    );
    for (const [name, tool] of tools) this.#tools.set(name, tool);
    const handoffs = agent.definition.handoffs ?? [];
    if (handoffs.length > 0) this.#tools.set(HANDOFF_TOOL, handoffTool(handoffs));
  }

  #announce(entry: DriveEntry): void {
    const { state, persona } = this;
    const { runId, agentId } = state;
    if (entry.kind === "start") {
      this.#events.emit("runStarted", { agentId, runId, input: entry.input });
      if (persona) this.#events.emit("personaResolved", { agentId, personaName: persona.name, runId });
    } else if (entry.kind === "resume") {
      const checkpointId = state.checkpoint!.id;
      this.#events.emit("checkpointResolved", { checkpointId, runId, decision: entry.shown });
    }
    const sessionId = state.sessionId === undefined ? {} : { sessionId: state.sessionId };
    this.#events.sink?.push({ type: "run-start", runId, agentId, resumed: entry.kind !== "start", ...sessionId });
  }

  /** A resumed run that may not go on: the paused call ends with the reason, then the run fails with it. */
  #refuseResume(reason: unknown): never {
    const call = this.state.pending[0];
    if (call !== undefined) this.#executor.failed(call, toErrorInfo(reason), this.#tools.get(call.name));
    throw reason;
  }

  #checkAbort(): void {
    if (this.#signal.aborted) throw abortError(this.#signal);
  }

  /** Starts a step and has the model take its turn; nothing more when a behavior stopped the run as it began. */
  #step(): Promise<void> | undefined {
    const { state } = this;
    const { runId, stepIndex } = state;
    this.#checkAbort();
    state.inStep = true;
    state.stepStartedAt = epochMs();
    this.#events.emit("stepStarted", { runId, stepIndex });
    this.#events.sink?.push({ type: "step-start", runId, stepIndex });
    this.#persona.onStepStart(stepIndex);
    if (this.#persona.stopped) return undefined;
    return this.#turn.take();
  }

  #endStep(): void {
    const { state } = this;
    const { runId, stepIndex } = state;
    this.#events.emit("stepCompleted", { runId, stepIndex, elapsedMs: Math.max(0, epochMs() - state.stepStartedAt) });
    const sink = this.#events.sink;
    if (sink !== undefined) {
      const finished: StepFinishEvent = { type: "step-finish", runId, stepIndex };
      const report = this.#turn.report;
      if (report?.usage) finished.usage = report.usage;
      if (report?.finishReason) finished.finishReason = report.finishReason;
      sink.push(finished);
      this.#turn.report = undefined;
    }
    state.inStep = false;
    state.stepIndex += 1;
    this.#persona.onStepEnd();
  }

  #stop(): Promise<RunResult> {
    const { state } = this;
    state.pending = [];
    if (state.inStep) this.#endStep();
    state.output = this.#persona.stopped!.message;
    state.status = "completed";
    return this.#complete();
  }

  async #complete(): Promise<RunResult> {
    const { state } = this;
    try {
      await this.#session.end(undefined);
    } catch (error) {
      return this.#fail(error);
    }
    this.#events.emit("runCompleted", {
      agentId: state.agentId,
      runId: state.runId,
      output: state.output ?? "",
      elapsedMs: Math.max(0, epochMs() - state.startedAt),
    });
    return resultOf(state);
  }

  async #fail(error: unknown): Promise<RunResult> {
    const { state } = this;
    const info: RunResult["error"] = toErrorInfo(error);
    if (error instanceof OutputInvalidError) info.answer = error.answer;
    if (!isCortexError(error))
      this.ctx.logger.error("run failed on an unexpected error", { runId: state.runId, error });
    state.status = "failed";
    state.error = info;
    state.pending = [];
    if (error instanceof OutputInvalidError) state.output = error.answer;
    delete state.value;
    const lost = info.code === "CORTEX_SESSION_CONFLICT" || info.code === "CORTEX_SESSION_BUSY";
    if (state.session !== undefined && !lost) {
      await this.#session.end(info).catch((problem: unknown) => {
        this.ctx.logger.warn("the failed run's turn could not be written to its session", {
          runId: state.runId,
          sessionId: state.sessionId,
          error: toErrorInfo(problem),
        });
        return this.ctx.sessions.release(state.sessionId!, state.runId).catch(noop);
      });
    }
    this.#events.emit("runFailed", { agentId: state.agentId, runId: state.runId, error: info });
    return resultOf(state);
  }
}

/** The text of a run's input, as input behaviors match it: its user messages' contents, one per line. */
function inputText(input: readonly ModelMessage[]): string {
  return input
    .filter((message): message is Extract<ModelMessage, { role: "user" }> => message.role === "user")
    .map((message) => message.content)
    .join("\n");
}
