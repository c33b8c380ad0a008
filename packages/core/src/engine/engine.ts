import { HookBus } from "@cortex/hooks";
import type { PluginRegistry } from "@cortex/plugins";
import {
  consoleLogger,
  guardedLogger,
  InvalidOptionsError,
  toErrorInfo,
  type ErrorInfo,
  type Logger,
} from "@cortex/primitives";
import { decisionProblem, readDecision } from "../approval/checkpoints.js";
import { AgentNotFoundError, CheckpointNotFoundError, EngineShutDownError } from "../errors.js";
import { Orchestrator } from "../orchestration/orchestrator.js";
import type { OrchestrationResult, OrchestrationSpec } from "../orchestration/spec.js";
import { initialMind } from "../persona/persona-runtime.js";
import { PersonaTable, type PersonaDefinition, type ResolvedPersona } from "../persona/persona.js";
import { RunLoop, type LoopContext } from "../run/run-loop.js";
import {
  newRunState,
  type CheckpointDecision,
  type HandedFrom,
  type OrchestrationLink,
  type RunResult,
  type RunState,
} from "../run/run-state.js";
import { isParallelStore, MemoryParallelStore } from "../store/parallel-store.js";
import { MemoryRunStore, type RunStore } from "../store/run-store.js";
import { AgentTable, type AgentDefinition, type ResolvedAgent } from "./agents.js";
import { InFlight } from "./in-flight.js";
import {
  engineSettings,
  shutdownLimits,
  type EngineOptions,
  type EngineSettings,
  type ResumedRunResult,
  type RunOptions,
  type ShutdownOptions,
  type ShutdownReport,
} from "./options.js";

/** Where a run comes from when it continues other work: an orchestration, a handoff, or both. */
interface RunOrigin {
  readonly link?: OrchestrationLink;
  /** Set for a run a handoff starts: the agent that handed off, and the chain of handoffs before it. */
  readonly handoff?: HandedFrom;
  /** Work already in flight (a handoff, an orchestration's next run): started during shutdown too. */
  readonly inFlight?: boolean;
}

/** The Cortex engine: runs agents against a model, the plugin registry and the hook bus. */
export class Engine {
  /** The hook bus every lifecycle event goes through. */
  readonly hooks: HookBus;
  readonly plugins: PluginRegistry;
  readonly #agents: AgentTable;
  readonly #personas = new PersonaTable();
  readonly #orchestrator: Orchestrator;
  readonly #store: RunStore;
  readonly #settings: EngineSettings;
  readonly #logger: Logger;
  /** What every run loop of this engine needs from it. */
  readonly #loop: LoopContext;
  /** Runs, orchestrations and checkpoint resolutions in progress: what shutdown settles. */
  readonly #inFlight = new InFlight();
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(options: EngineOptions) {
    this.#settings = engineSettings(options);
    const logger = options.logger ?? consoleLogger;
    this.plugins = options.plugins;
    // The bus checks the logger's shape and guards its own calls.
    this.hooks = new HookBus({ logger });
    this.#logger = guardedLogger(logger);
    for (const extension of options.extensions ?? []) this.hooks.register(extension);
    this.#agents = new AgentTable(this.#settings.defaultMaxSteps);
    (options.personas ?? []).forEach((persona, i) => this.#personas.add(persona, `personas[${i}]`));
    (options.agents ?? []).forEach((agent, i) => this.#agents.add(agent, `agents[${i}]`));
    this.#store = options.runStore ?? new MemoryRunStore();
    const store = this.#store;
    this.#loop = {
      model: options.model,
      plugins: this.plugins,
      hooks: this.hooks,
      logger: this.#logger,
      store,
      approver: options.approver,
      settings: this.#settings,
      startable: (agentId) => this.#startable(agentId),
    };
    this.#orchestrator = new Orchestrator({
      hooks: this.hooks,
      // A store that keeps parallel orchestrations lets any engine finish one; otherwise only this engine can.
      parallel: isParallelStore(store) ? store : new MemoryParallelStore(),
      hasAgent: (id) => this.#agents.get(id) !== undefined,
      // An orchestration's runs continue work in flight: they start during shutdown too (its deadline still applies).
      startRun: (agentId, input, link) => this.#start(agentId, input, {}, { link, inFlight: true }),
      halted: this.#inFlight.halted,
    });
  }

  /** Adds an agent; its id must be new. Its persona is resolved when it runs. */
  defineAgent(definition: AgentDefinition): void {
    this.#agents.add(definition, "agent");
  }

  /** Adds a persona; its name must be new. Behaviors and phases are validated now. */
  definePersona(definition: PersonaDefinition): void {
    this.#personas.add(definition, "persona");
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
    return this.#start(agentId, input, options, {});
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

  async #start(agentId: string, input: string, options: RunOptions, origin: RunOrigin): Promise<RunResult> {
    // A handoff or an orchestration's next run continues work already in flight, so it is not refused during shutdown.
    if (this.#shutdown && !origin.inFlight) throw new EngineShutDownError();
    const { link, handoff } = origin;
    const { persona } = this.#resolve(agentId);
    const state = newRunState(agentId, String(input), initialMind(persona), options.principal, link, handoff);
    const { runId } = state;
    this.hooks.emit("runStarted", { agentId, runId, input, ...(link ? { orchestrationId: link.id } : {}) });
    if (persona) this.hooks.emit("personaResolved", { agentId, personaName: persona.name, runId });
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
    const bad = decisionProblem(decision);
    if (bad) return Promise.reject(bad);
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
    const { shown, bound } = readDecision(decision);
    this.hooks.emit("checkpointResolved", { checkpointId, runId: state.runId, decision: shown });
    state.status = "running";
    // The time spent waiting for the decision is not part of the step.
    state.stepStartedAt += Math.max(0, Date.now() - Date.parse(state.checkpoint.createdAt));
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
    return this.#inFlight.run(signal, (run) => this.#drive(state, agent, persona, run, signal, decision));
  }

  async #drive(
    state: RunState,
    agent: ResolvedAgent,
    persona: ResolvedPersona | undefined,
    run: AbortController,
    signal: AbortSignal | undefined,
    decision: CheckpointDecision | undefined,
  ): Promise<RunResult> {
    const result = await new RunLoop(this.#loop, agent, persona, state, run).drive(decision);
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
    try {
      const options = { ...(signal ? { signal } : {}), ...(state.principal ? { principal: state.principal } : {}) };
      // The chain is kept in the next run's state, so its result lists it even after a pause and a resume elsewhere.
      const handoff = { from: state.agentId, chain: state.handoffs ?? [], depth: (state.handoffDepth ?? 0) + 1 };
      return await this.#start(to, message, options, {
        ...(state.orchestration ? { link: state.orchestration } : {}),
        handoff,
        inFlight: true,
      });
    } catch (error) {
      return { ...result, status: "failed", error: toErrorInfo(error) };
    }
  }

  /**
   * Stops the engine: refuses new runs, orchestrations and checkpoint
   * resolutions, lets the work in flight (runs, orchestrations, accepted
   * resolutions, and the handoffs and next runs they start) finish until
   * the deadline and aborts the rest, emits `shutdown`, flushes the hook bus
   * (always with a limit, `flushTimeoutMs`) and tears the plugins down
   * (always). `timeoutMs`: 0 or more, or `Infinity` to wait for the work;
   * anything else is `CORTEX_INVALID_OPTIONS`. Idempotent; concurrent calls
   * share one shutdown.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    if (!this.#shutdown) {
      const limits = shutdownLimits(options);
      if (limits instanceof InvalidOptionsError) return Promise.reject(limits);
      this.#shutdown = this.#doShutdown(limits.timeoutMs, limits.flushTimeoutMs);
    }
    return this.#shutdown;
  }

  async #doShutdown(timeoutMs: number, flushTimeoutMs: number): Promise<ShutdownReport> {
    try {
      const abortedRuns = await this.#inFlight.settle(timeoutMs);
      this.hooks.emit("shutdown", {});
      const flushed = await this.hooks.flush(flushTimeoutMs);
      return { abortedRuns, hooksTimedOut: flushed.timedOut.length };
    } finally {
      await this.plugins
        .shutdown()
        .catch((error: unknown) => this.#logger.error("plugin registry shutdown failed", { error }));
    }
  }
}

/** Creates an engine from its options; a bad option is `CORTEX_INVALID_OPTIONS` naming it. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
