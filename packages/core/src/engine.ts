import { randomUUID } from "node:crypto";
import { HookBus } from "@cortex/hooks";
import { consoleLogger, type Logger, type PluginRegistry } from "@cortex/plugins";
import { cleanDecision } from "./checkpoints.js";
import { AgentTable, type AgentDefinition, type ResolvedAgent } from "./agent.js";
import {
  checkEngineOptions,
  type EngineOptions,
  type ResumedRunResult,
  type RunOptions,
  type ShutdownOptions,
  type ShutdownReport,
} from "./engine-options.js";
import {
  AgentNotFoundError,
  CheckpointNotFoundError,
  EngineShutDownError,
  toErrorInfo,
  type ErrorInfo,
} from "./errors.js";
import { InFlight } from "./in-flight.js";
import { guardedLogger } from "./logger.js";
import { initialMind } from "./mind.js";
import { Orchestrator, type OrchestrationResult, type OrchestrationSpec } from "./orchestration.js";
import { isParallelBook, MemoryParallelBook } from "./parallel-book.js";
import { PersonaTable, type PersonaDefinition, type ResolvedPersona } from "./persona.js";
import { RunLoop } from "./run-loop.js";
import type { CheckpointDecision, OrchestrationLink, RunResult, RunState } from "./run-state.js";
import { MemoryRunStore, type RunStore } from "./run-store.js";

/** The Cortex engine: runs agents against a model, the plugin registry and the hook bus. */
export class Engine {
  /** The hook bus every lifecycle event goes through. */
  readonly hooks: HookBus;
  readonly plugins: PluginRegistry;
  readonly #agents: AgentTable;
  readonly #personas = new PersonaTable();
  readonly #orchestrator: Orchestrator;
  readonly #store: RunStore;
  readonly #options: EngineOptions;
  readonly #logger: Logger;
  /** Runs, orchestrations and checkpoint resolutions in progress: what shutdown settles. */
  readonly #inFlight = new InFlight();
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(options: EngineOptions) {
    checkEngineOptions(options);
    this.#options = options;
    const logger = options.logger ?? consoleLogger;
    this.plugins = options.plugins;
    // The bus checks the logger's shape and guards its own calls.
    this.hooks = new HookBus({ logger });
    this.#logger = guardedLogger(logger);
    for (const extension of options.extensions ?? []) this.hooks.register(extension);
    this.#agents = new AgentTable(options.defaultMaxSteps ?? 10);
    for (const persona of options.personas ?? []) this.#personas.add(persona);
    for (const agent of options.agents ?? []) this.#agents.add(agent);
    this.#store = options.runStore ?? new MemoryRunStore();
    const store = this.#store;
    this.#orchestrator = new Orchestrator({
      hooks: this.hooks,
      // A store that keeps parallel orchestrations lets any engine finish one; otherwise only this engine can.
      book: isParallelBook(store) ? store : new MemoryParallelBook(),
      hasAgent: (id) => this.#agents.get(id) !== undefined,
      // An orchestration's runs continue work in flight: they start during shutdown too (its deadline still applies).
      startRun: (agentId, input, link) => this.#start(agentId, input, {}, { link, inFlight: true }),
      halted: this.#inFlight.halted,
    });
  }

  /** Adds an agent; its id must be new. Its persona is resolved when it runs. */
  defineAgent(definition: AgentDefinition): void {
    this.#agents.add(definition);
  }

  /** Adds a persona; its name must be new. Behaviors and phases are validated now. */
  definePersona(definition: PersonaDefinition): void {
    this.#personas.add(definition);
  }

  /**
   * Runs several agents on one input: `sequential`, `parallel` or `router`.
   * Resolves with every run's outcome; a run that pauses at a checkpoint
   * pauses the orchestration (`awaiting_approval`), and resolving that
   * checkpoint continues it (see `resolveCheckpoint`).
   */
  async orchestrate(spec: OrchestrationSpec, input: string): Promise<OrchestrationResult> {
    if (this.#shutdown) throw new EngineShutDownError();
    const ids = Array.isArray(spec?.agents) ? [...spec.agents] : [];
    if (spec?.strategy === "router" && typeof spec.route === "object" && spec.route !== null)
      ids.push(spec.route.agent);
    for (const id of ids) {
      const agent = this.#agents.get(id);
      if (agent?.definition.persona) this.#personas.resolve(agent.definition.persona, id);
    }
    // Shutdown waits for the whole orchestration, also between its runs.
    return this.#inFlight.track(this.#orchestrator.start(spec, input));
  }

  /**
   * Runs an agent on an input. Resolves (never rejects) with the outcome once
   * the run completes, fails or pauses at a checkpoint; rejects only before
   * the run starts: an unknown agent, or an engine that is shutting down.
   */
  async run(agentId: string, input: string, options: RunOptions = {}): Promise<RunResult> {
    return this.#start(agentId, input, options, undefined);
  }

  #resolve(agentId: string): { agent: ResolvedAgent; persona: ResolvedPersona | undefined } {
    const agent = this.#agents.get(agentId);
    if (!agent) throw new AgentNotFoundError(agentId);
    const name = agent.definition.persona;
    return { agent, persona: name === undefined ? undefined : this.#personas.resolve(name, agentId) };
  }

  /** Whether an agent could start a run now: undefined, or why not (unknown agent, missing persona). */
  #startable(agentId: string): ErrorInfo | undefined {
    try {
      this.#resolve(agentId);
      return undefined;
    } catch (error) {
      return toErrorInfo(error);
    }
  }

  async #start(
    agentId: string,
    input: string,
    options: RunOptions,
    from: { link?: OrchestrationLink; handoffDepth?: number; inFlight?: boolean } = {},
  ): Promise<RunResult> {
    // A handoff or an orchestration's next run continues work already in flight, so it is not refused during shutdown.
    if (this.#shutdown && !from.inFlight) throw new EngineShutDownError();
    const { link, handoffDepth = 0 } = from;
    const { persona } = this.#resolve(agentId);
    const now = Date.now();
    const state: RunState = {
      version: 1,
      runId: `run_${randomUUID()}`,
      agentId,
      status: "running",
      messages: [{ role: "user", content: String(input) }],
      stepIndex: 0,
      inStep: false,
      startedAt: now,
      stepStartedAt: now,
      pending: [],
      mind: initialMind(persona),
      ...(options.principal ? { principal: options.principal } : {}),
      ...(link ? { orchestration: link } : {}),
      ...(handoffDepth > 0 ? { handoffDepth } : {}),
    };
    this.hooks.emit("runStarted", { agentId, runId: state.runId, input });
    if (persona) this.hooks.emit("personaResolved", { agentId, personaName: persona.name });
    return this.#track(state, options.signal, undefined);
  }

  /**
   * Resolves a checkpoint and resumes its run, in this engine, wherever the
   * run was paused. Approved: exactly the approved call runs. Denied: the
   * model is told and the run goes on. Resolves like `run`.
   */
  resolveCheckpoint(
    checkpointId: string,
    decision: CheckpointDecision,
    options: Pick<RunOptions, "signal"> = {},
  ): Promise<ResumedRunResult> {
    if (this.#shutdown) return Promise.reject(new EngineShutDownError());
    if (typeof decision !== "object" || decision === null || typeof decision.approved !== "boolean") {
      return Promise.reject(new TypeError("A checkpoint decision needs approved: true or false"));
    }
    if (decision.approvalId !== undefined && typeof decision.approvalId !== "string") {
      return Promise.reject(
        new TypeError("A checkpoint decision's approvalId must be the checkpoint's approvalId string"),
      );
    }
    // A resolution accepted before shutdown began goes on: shutdown waits for the claim, the run and the orchestration it continues.
    return this.#inFlight.track(this.#resume(checkpointId, decision, options.signal));
  }

  async #resume(
    checkpointId: string,
    decision: CheckpointDecision,
    signal: AbortSignal | undefined,
  ): Promise<ResumedRunResult> {
    const state = await this.#store.claim(checkpointId);
    if (state?.status !== "awaiting_approval" || state.checkpoint?.id !== checkpointId) {
      throw new CheckpointNotFoundError(checkpointId);
    }
    try {
      this.#resolve(state.agentId);
    } catch (error) {
      await this.#store.save(state);
      throw error;
    }
    const clean = cleanDecision(decision);
    this.hooks.emit("checkpointResolved", { checkpointId, decision: clean });
    state.status = "running";
    // The time spent waiting for the decision is not part of the step.
    state.stepStartedAt += Math.max(0, Date.now() - Date.parse(state.checkpoint.createdAt));
    const bound = typeof decision.approvalId === "string" ? { ...clean, approvalId: decision.approvalId } : clean;
    const result: ResumedRunResult = await this.#track(state, signal, bound);
    const link = state.orchestration;
    if (link && result.status === "awaiting_approval") await this.#orchestrator.paused(link, result);
    else if (link) {
      const orchestration = await this.#orchestrator.resume(link, result);
      if (orchestration) result.orchestration = orchestration;
    }
    return result;
  }

  /** The stored state of a paused run, or undefined. */
  getRun(runId: string): Promise<RunState | undefined> {
    return this.#store.load(runId);
  }

  /** Drives a run as tracked work; its signal aborts with the caller's and at the shutdown deadline. */
  #track(
    state: RunState,
    signal: AbortSignal | undefined,
    decision: CheckpointDecision | undefined,
  ): Promise<RunResult> {
    const { agent, persona } = this.#resolve(state.agentId);
    return this.#inFlight.run(signal, (runSignal) => this.#drive(state, agent, persona, runSignal, signal, decision));
  }

  async #drive(
    state: RunState,
    agent: ResolvedAgent,
    persona: ResolvedPersona | undefined,
    runSignal: AbortSignal,
    signal: AbortSignal | undefined,
    decision: CheckpointDecision | undefined,
  ): Promise<RunResult> {
    const loop = new RunLoop(
      {
        model: this.#options.model,
        plugins: this.plugins,
        hooks: this.hooks,
        logger: this.#logger,
        store: this.#store,
        approver: this.#options.approver,
        modelTimeoutMs: this.#options.modelTimeoutMs ?? 120_000,
        approvalTimeoutMs: this.#options.approvalTimeoutMs ?? 300_000,
        maxHandoffs: this.#options.maxHandoffs ?? 10,
        startable: (agentId) => this.#startable(agentId),
      },
      agent,
      persona,
      state,
      runSignal,
    );
    const result = await loop.drive(decision);
    if (decision !== undefined && result.status !== "awaiting_approval") {
      await this.#store
        .delete(state.runId)
        .catch((error: unknown) =>
          this.#logger.warn("could not delete a finished run from the run store", { runId: state.runId, error }),
        );
    }
    return state.handoff ? this.#followHandoff(state, result, signal) : result;
  }

  /** Starts the agent a run handed off to, with the handoff message as input; the chain's last result is returned. */
  async #followHandoff(state: RunState, result: RunResult, signal: AbortSignal | undefined): Promise<RunResult> {
    const { to, message } = state.handoff!;
    let next: RunResult;
    try {
      const options = { ...(signal ? { signal } : {}), ...(state.principal ? { principal: state.principal } : {}) };
      const from = {
        ...(state.orchestration ? { link: state.orchestration } : {}),
        handoffDepth: (state.handoffDepth ?? 0) + 1,
        inFlight: true,
      };
      next = await this.#start(to, message, options, from);
    } catch (error) {
      return { ...result, status: "failed", error: toErrorInfo(error) };
    }
    return { ...next, handoffs: [{ from: state.agentId, to, runId: next.runId }, ...(next.handoffs ?? [])] };
  }

  /**
   * Stops the engine: refuses new runs, orchestrations and checkpoint
   * resolutions, lets the work in flight (runs, orchestrations, accepted
   * resolutions, and the handoffs and next runs they start) finish until
   * the deadline and aborts the rest, emits `shutdown`, flushes the hook bus
   * and tears the plugins down. `timeoutMs`: 0 or more, or `Infinity` to
   * wait for the work; anything else is a RangeError. Idempotent; concurrent
   * calls share one shutdown.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    if (!this.#shutdown) {
      const timeoutMs = options?.timeoutMs ?? 10_000;
      if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) {
        return Promise.reject(
          new RangeError(`shutdown timeoutMs must be 0 or more milliseconds, or Infinity; got ${String(timeoutMs)}`),
        );
      }
      this.#shutdown = this.#doShutdown(timeoutMs);
    }
    return this.#shutdown;
  }

  async #doShutdown(timeoutMs: number): Promise<ShutdownReport> {
    const abortedRuns = await this.#inFlight.settle(timeoutMs);
    this.hooks.emit("shutdown", {});
    const flushed = await this.hooks.flush(Math.max(1_000, timeoutMs));
    try {
      await this.plugins.shutdown();
    } catch (error) {
      this.#logger.error("plugin registry shutdown failed", { error });
    }
    return { abortedRuns, hooksTimedOut: flushed.timedOut.length };
  }
}

/** Creates an engine: the TypeScript form of the Go spec's `engine.New(engine.WithExtension(...))`. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
