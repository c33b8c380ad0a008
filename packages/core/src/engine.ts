import { randomUUID } from "node:crypto";
import { HookBus } from "@cortex/hooks";
import { consoleLogger, type ApprovalDecision, type Logger, type PluginRegistry } from "@cortex/plugins";
import { AgentTable, type AgentDefinition, type ResolvedAgent } from "./agent.js";
import type { EngineOptions, ResumedRunResult, RunOptions, ShutdownOptions, ShutdownReport } from "./engine-options.js";
import { AgentNotFoundError, CheckpointNotFoundError, EngineShutDownError, InvalidAgentError, toErrorInfo } from "./errors.js";
import { initialMind } from "./mind.js";
import { Orchestrator, type OrchestrationResult, type OrchestrationSpec } from "./orchestration.js";
import { isParallelBook, MemoryParallelBook } from "./parallel-book.js";
import { PersonaTable, type PersonaDefinition, type ResolvedPersona } from "./persona.js";
import { RunLoop } from "./run-loop.js";
import type { OrchestrationLink, RunResult, RunState } from "./run-state.js";
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
  readonly #active = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  readonly #claims = new Set<Promise<void>>();
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(options: EngineOptions) {
    if (typeof options?.model?.generate !== "function") throw new InvalidAgentError("createEngine needs a model with generate()");
    if (typeof options.plugins?.execute !== "function") throw new InvalidAgentError("createEngine needs a PluginRegistry as plugins");
    this.#options = options;
    this.#logger = options.logger ?? consoleLogger;
    this.plugins = options.plugins;
    this.hooks = new HookBus({ logger: this.#logger });
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
      startRun: (agentId, input, link) => this.#start(agentId, input, {}, link),
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
    for (const id of spec?.agents ?? []) {
      const agent = this.#agents.get(id);
      if (agent?.definition.persona) this.#personas.resolve(agent.definition.persona, id);
    }
    return this.#orchestrator.start(spec, input);
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

  async #start(
    agentId: string,
    input: string,
    options: RunOptions,
    link: OrchestrationLink | undefined,
    handoffDepth = 0,
  ): Promise<RunResult> {
    // A handoff continues work already in flight, so it is not refused during shutdown (its deadline still applies).
    if (this.#shutdown && handoffDepth === 0) throw new EngineShutDownError();
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
  resolveCheckpoint(checkpointId: string, decision: ApprovalDecision, options: Pick<RunOptions, "signal"> = {}): Promise<ResumedRunResult> {
    if (this.#shutdown) return Promise.reject(new EngineShutDownError());
    if (typeof decision !== "object" || decision === null || typeof decision.approved !== "boolean") {
      return Promise.reject(new TypeError("A checkpoint decision needs approved: true or false"));
    }
    // Shutdown waits for claims in progress, so a resumed run is always among the runs it settles.
    const claimed = this.#claim(checkpointId, decision, options.signal);
    const settled = claimed.then(
      () => undefined,
      () => undefined,
    );
    this.#claims.add(settled);
    void settled.finally(() => this.#claims.delete(settled));
    return claimed.then(async ({ state, done }) => {
      const result: ResumedRunResult = await done;
      const link = state.orchestration;
      if (link && result.status === "awaiting_approval") await this.#orchestrator.paused(link, result);
      else if (link) {
        const orchestration = await this.#orchestrator.resume(link, result);
        if (orchestration) result.orchestration = orchestration;
      }
      return result;
    });
  }

  async #claim(checkpointId: string, decision: ApprovalDecision, signal: AbortSignal | undefined) {
    const state = await this.#store.claim(checkpointId);
    if (state?.status !== "awaiting_approval" || state.checkpoint?.id !== checkpointId) {
      throw new CheckpointNotFoundError(checkpointId);
    }
    // A resolution accepted before shutdown began goes on: shutdown waits for this claim, then for the run.
    try {
      this.#resolve(state.agentId);
    } catch (error) {
      await this.#store.save(state);
      throw error;
    }
    const clean: ApprovalDecision = {
      approved: decision.approved,
      ...(typeof decision.decidedBy === "string" ? { decidedBy: decision.decidedBy } : {}),
      ...(typeof decision.reason === "string" ? { reason: decision.reason } : {}),
    };
    this.hooks.emit("checkpointResolved", { checkpointId, decision: clean });
    state.status = "running";
    // The time spent waiting for the decision is not part of the step.
    state.stepStartedAt += Math.max(0, Date.now() - Date.parse(state.checkpoint.createdAt));
    return { state, done: this.#track(state, signal, clean) };
  }

  /** The stored state of a paused run, or undefined. */
  getRun(runId: string): Promise<RunState | undefined> {
    return this.#store.load(runId);
  }

  #track(state: RunState, signal: AbortSignal | undefined, decision: ApprovalDecision | undefined): Promise<RunResult> {
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    if (signal?.aborted) forward();
    else signal?.addEventListener("abort", forward, { once: true });
    const { agent, persona } = this.#resolve(state.agentId);
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
      },
      agent,
      persona,
      state,
      controller.signal,
    );
    const resumed = decision !== undefined;
    const done = loop.drive(decision).then(async (result): Promise<RunResult> => {
      signal?.removeEventListener("abort", forward);
      if (resumed && result.status !== "awaiting_approval") {
        await this.#store.delete(state.runId).catch((error: unknown) =>
          this.#logger.warn("could not delete a finished run from the run store", { runId: state.runId, error }),
        );
      }
      return state.handoff ? this.#followHandoff(state, result, signal) : result;
    });
    const entry = { controller, done };
    this.#active.set(state.runId, entry);
    void done.finally(() => {
      if (this.#active.get(state.runId) === entry) this.#active.delete(state.runId);
    });
    return done;
  }

  /** Starts the agent a run handed off to, with the handoff message as input; the chain's last result is returned. */
  async #followHandoff(state: RunState, result: RunResult, signal: AbortSignal | undefined): Promise<RunResult> {
    const { to, message } = state.handoff!;
    let next: RunResult;
    try {
      const options = { ...(signal ? { signal } : {}), ...(state.principal ? { principal: state.principal } : {}) };
      next = await this.#start(to, message, options, state.orchestration, (state.handoffDepth ?? 0) + 1);
    } catch (error) {
      return { ...result, status: "failed", error: toErrorInfo(error) };
    }
    return { ...next, handoffs: [{ from: state.agentId, to, runId: next.runId }, ...(next.handoffs ?? [])] };
  }

  /**
   * Stops the engine: refuses new runs, lets in-flight runs finish until the
   * deadline and aborts the rest, emits `shutdown`, flushes the hook bus and
   * tears the plugins down. Idempotent; concurrent calls share one shutdown.
   */
  shutdown(options: ShutdownOptions = {}): Promise<ShutdownReport> {
    this.#shutdown ??= this.#doShutdown(options.timeoutMs ?? 10_000);
    return this.#shutdown;
  }

  async #doShutdown(timeoutMs: number): Promise<ShutdownReport> {
    await Promise.all(this.#claims);
    const running = [...this.#active.values()];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => (timer = setTimeout(() => resolve("deadline"), timeoutMs)));
    const settled = Promise.allSettled(running.map((r) => r.done));
    let abortedRuns = 0;
    if ((await Promise.race([settled, deadline])) === "deadline") {
      for (const run of this.#active.values()) {
        abortedRuns += 1;
        run.controller.abort(new EngineShutDownError());
      }
      await Promise.allSettled([...this.#active.values()].map((r) => r.done));
    }
    clearTimeout(timer);
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
