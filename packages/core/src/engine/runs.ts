import { toErrorInfo, type ErrorInfo, type Logger } from "@cortex/primitives";
import { hasExpired, readDecision } from "../approval/checkpoints.js";
import {
  AgentNotFoundError,
  CheckpointNotFoundError,
  EngineShutDownError,
  NoMatchingToolsError,
  noMatchMessage,
} from "../errors.js";
import type { Orchestrator } from "../orchestration/orchestrator.js";
import { initialMind } from "../persona/persona-runtime.js";
import type { PersonaTable, ResolvedPersona } from "../persona/persona.js";
import { isDurable, keepEnded } from "../run/progress.js";
import { enterRun } from "../run/run-context.js";
import { RunLoop, type DriveEntry, type LoopContext, type RunExtras } from "../run/run-loop.js";
import { RunSession } from "../run/run-session.js";
import {
  newRunId,
  newRunState,
  resultOf,
  upgradeState,
  type CheckpointDecision,
  type HandedFrom,
  type OrchestrationLink,
  type RunResult,
  type RunState,
} from "../run/run-state.js";
import { storedOutputCheck } from "../run/structured-output.js";
import { unmatchedTools } from "../run/plugin-setup.js";
import { toolName } from "../run/tool-names.js";
import type { StoredSession } from "../store/session-store.js";
import type { AgentTable, ResolvedAgent } from "./agents.js";
import type { InFlight } from "./in-flight.js";
import type { EngineSettings, ResumedRunResult } from "./options.js";
import { readInput, type RunInput, type RunPlan } from "./run-plan.js";

/** Where a run comes from when it continues other work: an orchestration, a handoff, or both. */
export interface RunOrigin {
  readonly link?: OrchestrationLink;
  /** Set for a run a handoff starts: the agent that handed off, and the chain of handoffs before it. */
  readonly handoff?: HandedFrom;
  /** Work already in flight (a handoff, an orchestration's next run): started during shutdown too. */
  readonly inFlight?: boolean;
}

/** What starting and resuming runs needs of the engine. */
export interface RunsHost {
  readonly agents: AgentTable;
  readonly personas: PersonaTable;
  readonly loop: LoopContext;
  readonly inFlight: InFlight;
  readonly logger: Logger;
  /** The orchestrator a resumed run's orchestration continues in (made after this, so asked for late). */
  orchestrator(): Orchestrator;
  shuttingDown(): boolean;
}

/** Starts, resumes and drives an engine's runs, and follows their handoffs. */
export class Runs {
  constructor(private readonly host: RunsHost) {}

  /** The engine's settings. */
  get settings(): EngineSettings {
    return this.host.loop.settings;
  }

  /** The agent and its persona; `CORTEX_AGENT_NOT_FOUND` or `CORTEX_PERSONA_NOT_FOUND` otherwise. */
  resolve(agentId: string): { agent: ResolvedAgent; persona: ResolvedPersona | undefined } {
    const agent = this.host.agents.get(agentId);
    if (!agent) throw new AgentNotFoundError(agentId);
    const name = agent.definition.persona;
    return { agent, persona: name === undefined ? undefined : this.host.personas.resolve(name, agentId) };
  }

  /** The agent's tool patterns that match no registered action, and the tools that do exist. */
  #unmatched(agent: ResolvedAgent): { patterns: string[]; available: string[] } {
    const actions = this.host.loop.plugins.listActions();
    const patterns = unmatchedTools(this.host.loop.plugins, agent.definition.tools, actions);
    return { patterns, available: patterns.length === 0 ? [] : actions.map((a) => toolName(a.plugin, a.name)) };
  }

  /** At definition, a pattern matching nothing is a warning: plugins may still be registered (discovery is async). */
  warnUnmatched(agent: ResolvedAgent): void {
    const { patterns, available } = this.#unmatched(agent);
    if (patterns.length > 0)
      this.host.logger.warn(noMatchMessage(agent.id, patterns, available), { agentId: agent.id });
  }

  /** What a new run of the agent needs to start: the agent, its persona, and tools for every pattern. */
  startOf(agentId: string): { agent: ResolvedAgent; persona: ResolvedPersona | undefined } {
    const resolved = this.resolve(agentId);
    const { patterns, available } = this.#unmatched(resolved.agent);
    if (patterns.length > 0) throw new NoMatchingToolsError(agentId, patterns, available);
    return resolved;
  }

  /** Whether an agent could start a run now: undefined, or why not (unknown agent, missing persona, no tools). */
  startable(agentId: string): ErrorInfo | undefined {
    try {
      this.startOf(agentId);
      return undefined;
    } catch (error) {
      return toErrorInfo(error);
    }
  }

  /**
   * Starts a run: takes its session (refused when another run holds it),
   * builds its state and drives it. Rejects only before the run starts.
   */
  async start(agentId: string, input: RunInput, plan: RunPlan, origin: RunOrigin): Promise<RunResult> {
    const { host } = this;
    // A handoff or an orchestration's next run continues work already in flight, so it is not refused during shutdown.
    if (host.shuttingDown() && !origin.inFlight) throw new EngineShutDownError();
    const { persona } = this.startOf(agentId);
    const messages = readInput(input);
    const runId = plan.runId ?? newRunId();
    let session: StoredSession | undefined;
    const { sessions, settings } = host.loop;
    if (plan.sessionId !== undefined) {
      session = await sessions.acquire(plan.sessionId, runId, Date.now() + settings.sessionLeaseMs);
      // Shutdown may have begun while the session was taken; it would not wait for this run.
      if (host.shuttingDown() && !origin.inFlight) {
        await sessions.release(plan.sessionId, runId);
        throw new EngineShutDownError();
      }
    }
    const past = session?.messages ?? [];
    const state = newRunState({
      runId,
      agentId,
      messages: [...past, ...messages],
      inputStart: past.length,
      mind: initialMind(persona),
      principal: plan.principal,
      link: origin.link,
      handoff: origin.handoff,
    });
    if (session !== undefined) {
      state.sessionId = session.id;
      state.session = { version: session.version, saved: past.length, leaseUntil: session.lease?.expiresAt };
    }
    if (plan.output !== undefined) {
      state.structured = { retries: 0, ...(plan.output.schema ? { schema: plan.output.schema } : {}) };
    }
    if (plan.budget !== undefined) state.budget = plan.budget;
    if (plan.checkpointTtlMs !== undefined) state.checkpointTtlMs = plan.checkpointTtlMs;
    return this.#drive(state, plan, { kind: "start", input: Array.isArray(input) ? messages : input });
  }

  /**
   * Claims the run paused at a checkpoint and resumes it with the decision;
   * a decision made after the checkpoint expired is a denial (fail-closed).
   * The orchestration the run belongs to, if any, goes on once it ends.
   */
  async resume(
    checkpointId: string,
    decision: CheckpointDecision,
    plan: Pick<RunPlan, "signal" | "sink" | "output">,
  ): Promise<ResumedRunResult> {
    const { store } = this.host.loop;
    const claimed = await store.claim(checkpointId);
    if (claimed?.status !== "awaiting_approval" || claimed.checkpoint?.id !== checkpointId) {
      throw new CheckpointNotFoundError(checkpointId);
    }
    const state = upgradeState(claimed);
    const checkpoint = state.checkpoint!;
    try {
      this.resolve(state.agentId);
    } catch (error) {
      await store.save(state);
      throw error;
    }
    const now = Date.now();
    const expired = hasExpired(checkpoint, now);
    const { shown, bound } = readDecision(
      expired ? { approved: false, reason: `the checkpoint expired at ${checkpoint.expiresAt!}` } : decision,
    );
    state.status = "running";
    // The time spent waiting for the decision is not part of the step, nor of the budget's working time.
    const waited = Math.max(0, now - Date.parse(checkpoint.createdAt));
    state.stepStartedAt += waited;
    state.waitedMs += waited;
    const { structured } = state;
    const output =
      plan.output ??
      (structured ? { schema: structured.schema, check: storedOutputCheck(structured.schema) } : undefined);
    const result: ResumedRunResult = await this.#drive(state, { ...plan, output }, { kind: "resume", shown, bound });
    const link = state.orchestration;
    const orchestrator = this.host.orchestrator();
    if (link && result.status === "awaiting_approval") await orchestrator.paused(link, result);
    else if (link) {
      const orchestration = await orchestrator.resume(link, result);
      if (orchestration) result.orchestration = orchestration;
    }
    return result;
  }

  /**
   * Continues a run a crashed process left running, from its last save in
   * a durable store (see `DurableRunStore`); a run that is not running
   * (paused, ended) is only reported; undefined when the store has no such run.
   */
  async continue(runId: string, plan: Pick<RunPlan, "signal" | "sink">): Promise<RunResult | undefined> {
    const stored = await this.host.loop.store.load(runId);
    if (stored === undefined) return undefined;
    const state = upgradeState(stored);
    if (state.status !== "running") return resultOf(state);
    const { structured } = state;
    const output = structured ? { schema: structured.schema, check: storedOutputCheck(structured.schema) } : undefined;
    return this.#drive(state, { ...plan, output }, { kind: "continue" });
  }

  /**
   * Drives a run in this process, whichever way it comes (started, resumed
   * at a checkpoint, continued after a crash), as tracked work whose signal
   * aborts with the caller's and at the shutdown deadline. The one way in:
   * extensions are told of the run and get their saved contexts back, and a
   * run that comes back retakes its session, before its first event.
   */
  #drive(state: RunState, plan: RunPlan, entry: DriveEntry): Promise<RunResult> {
    const { agent, persona } = this.resolve(state.agentId);
    const extras: RunExtras = { sink: plan.sink, check: plan.output?.check };
    const { loop, logger } = this.host;
    return this.host.inFlight.run(plan.signal, async (run) => {
      plan.sink?.attach(run);
      if (entry.kind !== "start") entry = await this.#retakeSession(state, entry);
      enterRun(loop.hooks, state, entry.kind, logger);
      const result = await new RunLoop(loop, agent, persona, state, run, extras).drive(entry);
      if ((entry.kind !== "start" || isDurable(this.host.loop.store)) && result.status !== "awaiting_approval") {
        await keepEnded(this.host.loop.store, state).catch((error: unknown) =>
          this.host.logger.warn("could not keep or delete a finished run in the run store", {
            runId: state.runId,
            error,
          }),
        );
      }
      return state.handoff ? this.#followHandoff(state, result, plan) : result;
    });
  }

  /**
   * A run coming back takes its session again (see `RunSession.resume`). A
   * resumed run that may not is refused: its paused call ends with the
   * reason and the run fails with it. A continued one is not driven: the
   * caller gets the reason, and the run stays in the store as it was.
   */
  async #retakeSession(state: RunState, entry: Exclude<DriveEntry, { kind: "start" }>): Promise<DriveEntry> {
    const { sessions, settings } = this.host.loop;
    try {
      await new RunSession(sessions, state, settings.sessionLeaseMs).resume(Date.now());
      return entry;
    } catch (error) {
      if (entry.kind === "continue") throw error;
      return { ...entry, refused: error };
    }
  }

  /**
   * Starts the agent a run handed off to, with the handoff message as input,
   * in the same session and stream, with the same structured output and
   * budget; the chain's last result is returned.
   */
  async #followHandoff(state: RunState, result: RunResult, plan: RunPlan): Promise<RunResult> {
    const { to, message } = state.handoff!;
    try {
      const next: RunPlan = {
        ...plan,
        principal: state.principal,
        sessionId: state.sessionId,
        budget: state.budget,
        checkpointTtlMs: state.checkpointTtlMs,
      };
      // The chain is kept in the next run's state, so its result lists it even after a pause and a resume elsewhere.
      const handoff = { from: state.agentId, chain: state.handoffs ?? [], depth: (state.handoffDepth ?? 0) + 1 };
      const link = state.orchestration ? { link: state.orchestration } : {};
      return await this.start(to, message, next, { ...link, handoff, inFlight: true });
    } catch (error) {
      return { ...result, status: "failed", error: toErrorInfo(error) };
    }
  }
}
