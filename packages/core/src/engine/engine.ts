import { HookBus } from "@cortex/hooks";
import type { PluginRegistry } from "@cortex/plugins";
import {
  consoleLogger,
  guardedLogger,
  InvalidOptionsError,
  type InferSchema,
  type Logger,
  type SchemaLike,
} from "@cortex/primitives";
import { decisionProblem } from "../approval/checkpoints.js";
import { EngineShutDownError, StoreUnsupportedError } from "../errors.js";
import { Orchestrator } from "../orchestration/orchestrator.js";
import type { OrchestrationResult, OrchestrationSpec } from "../orchestration/spec.js";
import { PersonaTable, type PersonaDefinition } from "../persona/persona.js";
import type { CheckpointDecision, RunResult, RunState } from "../run/run-state.js";
import { prepareOutput, type PreparedOutput } from "../run/structured-output.js";
import type { Page, PageOptions } from "../store/pages.js";
import { isParallelStore, MemoryParallelStore } from "../store/parallel-store.js";
import type { ListPendingOptions, PendingCheckpoint } from "../store/pending.js";
import { MemoryRunStore, type RunStore } from "../store/run-store.js";
import {
  MemorySessionStore,
  type SessionStore,
  type SessionSummary,
  type StoredSession,
} from "../store/session-store.js";
import { rejection } from "../store/store-files.js";
import { AgentTable, type AgentDefinition } from "./agents.js";
import { InFlight } from "./in-flight.js";
import {
  engineSettings,
  shutdownLimits,
  type EngineOptions,
  type ResumedRunResult,
  type ResumeOptions,
  type RunOptions,
  type ShutdownOptions,
  type ShutdownReport,
} from "./options.js";
import { planRun, type RunInput, type RunPlan } from "./run-plan.js";
import { type RunStream, streamRun } from "./run-stream.js";
import { Runs } from "./runs.js";

/** The Cortex engine: runs agents against a model, the plugin registry and the hook bus. */
export class Engine {
  /** The hook bus every lifecycle event goes through. */
  readonly hooks: HookBus;
  readonly plugins: PluginRegistry;
  readonly #agents: AgentTable;
  readonly #personas = new PersonaTable();
  readonly #orchestrator: Orchestrator;
  readonly #store: RunStore;
  readonly #sessions: SessionStore;
  readonly #logger: Logger;
  readonly #runs: Runs;
  /** Runs, orchestrations and checkpoint resolutions in progress: what shutdown settles. */
  readonly #inFlight = new InFlight();
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(options: EngineOptions) {
    const settings = engineSettings(options);
    const logger = options.logger ?? consoleLogger;
    this.plugins = options.plugins;
    // The bus checks the logger's shape and guards its own calls.
    this.hooks = new HookBus({ logger });
    this.#logger = guardedLogger(logger);
    for (const extension of options.extensions ?? []) this.hooks.register(extension);
    this.#agents = new AgentTable(settings.defaultMaxSteps);
    this.#store = options.runStore ?? new MemoryRunStore();
    this.#sessions = options.sessionStore ?? new MemorySessionStore();
    const store = this.#store;
    this.#runs = new Runs({
      agents: this.#agents,
      personas: this.#personas,
      inFlight: this.#inFlight,
      logger: this.#logger,
      orchestrator: () => this.#orchestrator,
      shuttingDown: () => this.#shutdown !== undefined,
      loop: {
        model: options.model,
        plugins: this.plugins,
        hooks: this.hooks,
        logger: this.#logger,
        store,
        sessions: this.#sessions,
        approver: options.approver,
        callJournal: options.callJournal,
        settings,
        startable: (agentId) => this.#runs.startable(agentId),
      },
    });
    (options.personas ?? []).forEach((persona, i) => this.#personas.add(persona, `personas[${i}]`));
    (options.agents ?? []).forEach((agent, i) => this.#runs.warnUnmatched(this.#agents.add(agent, `agents[${i}]`)));
    this.#orchestrator = new Orchestrator({
      hooks: this.hooks,
      // A store that keeps parallel orchestrations lets any engine finish one; otherwise only this engine can.
      parallel: isParallelStore(store) ? store : new MemoryParallelStore(),
      hasAgent: (id) => this.#agents.get(id) !== undefined,
      // An orchestration's runs continue work in flight: they start during shutdown too (its deadline still applies).
      startRun: (agentId, input, link) => this.#runs.start(agentId, input, {}, { link, inFlight: true }),
      halted: this.#inFlight.halted,
    });
  }

  /** Adds an agent; its id must be new. Its persona is resolved when it runs; a tool pattern matching nothing is logged. */
  defineAgent(definition: AgentDefinition): void {
    this.#runs.warnUnmatched(this.#agents.add(definition, "agent"));
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
   * Runs an agent on an input: a user message, or messages to add to the
   * conversation. Resolves (never rejects) with the outcome once the run
   * completes, fails or pauses at a checkpoint; rejects only before the run
   * starts: an unknown agent, a bad option, tool patterns that match
   * nothing, a session another run holds, an engine that is shutting down.
   * With `output`, `value` is typed from the schema.
   */
  run<S extends SchemaLike>(
    agentId: string,
    input: RunInput,
    options: RunOptions<S> & { output: S },
  ): Promise<RunResult<InferSchema<S>>>;
  run(agentId: string, input: RunInput, options?: RunOptions): Promise<RunResult>;
  async run(agentId: string, input: RunInput, options: RunOptions = {}): Promise<RunResult> {
    return this.#runs.start(agentId, input, this.#plan(agentId, options), {});
  }

  #plan(agentId: string, options: RunOptions): RunPlan {
    if (this.#shutdown) throw new EngineShutDownError();
    return planRun(options, this.#runs.resolve(agentId).agent, this.#runs.settings);
  }

  /**
   * Runs an agent like `run`, as an async iterable of events: text as it
   * arrives (through the model's `stream` when it has one), tool calls and
   * results, checkpoints, step boundaries, and last `finish` with the same
   * result `run` resolves to. `break` or the signal ends the run as an abort
   * does. The engine never waits for the reader (see `RunStream`); what
   * would make `run` reject makes the iteration (and `result`) reject.
   */
  stream<S extends SchemaLike>(
    agentId: string,
    input: RunInput,
    options: RunOptions<S> & { output: S },
  ): RunStream<InferSchema<S>>;
  stream(agentId: string, input: RunInput, options?: RunOptions): RunStream;
  stream(agentId: string, input: RunInput, options: RunOptions = {}): RunStream {
    return streamRun((sink) => {
      const plan = this.#plan(agentId, options);
      plan.sink = sink;
      return this.#runs.start(agentId, input, plan, {});
    });
  }

  /**
   * Resolves a checkpoint and resumes its run, in this engine, wherever the
   * run was paused. Approved: exactly the approved call runs. Denied — or
   * decided after the checkpoint expired — the model is told and the run
   * goes on. Resolves like `run`; pass the run's `output` again to validate
   * (and type) `value` with it.
   */
  resolveCheckpoint<S extends SchemaLike>(
    checkpointId: string,
    decision: CheckpointDecision,
    options: ResumeOptions<S> & { output: S },
  ): Promise<ResumedRunResult<InferSchema<S>>>;
  resolveCheckpoint(
    checkpointId: string,
    decision: CheckpointDecision,
    options?: ResumeOptions,
  ): Promise<ResumedRunResult>;
  resolveCheckpoint(
    checkpointId: string,
    decision: CheckpointDecision,
    options: ResumeOptions = {},
  ): Promise<ResumedRunResult> {
    return this.#accept(checkpointId, decision, options, undefined);
  }

  /** Resolves a checkpoint like `resolveCheckpoint` and streams the resumed run like `stream`. */
  resolveCheckpointStream<S extends SchemaLike>(
    checkpointId: string,
    decision: CheckpointDecision,
    options: ResumeOptions<S> & { output: S },
  ): RunStream<InferSchema<S>>;
  resolveCheckpointStream(checkpointId: string, decision: CheckpointDecision, options?: ResumeOptions): RunStream;
  resolveCheckpointStream(checkpointId: string, decision: CheckpointDecision, options: ResumeOptions = {}): RunStream {
    return streamRun((sink) => this.#accept(checkpointId, decision, options, sink));
  }

  #accept(
    checkpointId: string,
    decision: CheckpointDecision,
    options: ResumeOptions,
    sink: RunStream["sink"] | undefined,
  ): Promise<ResumedRunResult> {
    if (this.#shutdown) return Promise.reject(new EngineShutDownError());
    const bad = decisionProblem(decision);
    if (bad) return Promise.reject(bad);
    let output: PreparedOutput | undefined;
    try {
      output = options.output === undefined ? undefined : prepareOutput(options.output);
    } catch (error) {
      return rejection(error);
    }
    // A resolution accepted before shutdown began goes on: shutdown waits for the claim, the run and the orchestration it continues.
    const plan = { signal: options.signal, sink, output };
    return this.#inFlight.track(this.#runs.resume(checkpointId, decision, plan));
  }

  /**
   * Continues a run that a crashed process left running, from its last save
   * in a durable run store (`durable: true`, e.g. `PostgresRunStore`): calls
   * the call journal recorded as finished are not run again, and one it
   * recorded as started is told to the model as interrupted. A paused or
   * ended run is only reported; undefined when the store has no such run.
   */
  continueRun(runId: string, options: { signal?: AbortSignal } = {}): Promise<RunResult | undefined> {
    if (this.#shutdown) return Promise.reject(new EngineShutDownError());
    return this.#inFlight.track(this.#runs.continue(runId, { signal: options.signal }));
  }

  /** The stored state of a paused run, or undefined. */
  getRun(runId: string): Promise<RunState | undefined> {
    return this.#store.load(runId);
  }

  /**
   * One page of the checkpoints waiting for a decision (an approval inbox),
   * oldest first, filtered by agent, plugin and tier. Needs a run store with
   * `listPending` (`MemoryRunStore`, `JsonFileRunStore` and the PostgreSQL
   * store have it); otherwise `CORTEX_STORE_UNSUPPORTED`.
   */
  async listPending(options: ListPendingOptions = {}): Promise<Page<PendingCheckpoint>> {
    if (typeof this.#store.listPending !== "function") throw new StoreUnsupportedError("RunStore.listPending");
    return this.#store.listPending(options);
  }

  /** The conversation kept under `sessionId`, or undefined. */
  getSession(sessionId: string): Promise<StoredSession | undefined> {
    return this.#sessions.load(sessionId);
  }

  /** One page of the sessions, oldest first (by creation, then id). */
  listSessions(options: PageOptions = {}): Promise<Page<SessionSummary>> {
    return this.#sessions.list(options);
  }

  /** Removes a session; a run holding it fails when it next writes to it (`CORTEX_SESSION_CONFLICT`). */
  deleteSession(sessionId: string): Promise<void> {
    return this.#sessions.delete(sessionId);
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
