import { randomUUID } from "node:crypto";
import type { ApprovalDecision, Principal } from "@cortex/plugins";
import type { ErrorInfo, ModelMessage } from "@cortex/primitives";
import type { MindState } from "../persona/persona-runtime.js";

/**
 * Now, as fractional epoch milliseconds: comparable across processes like
 * `Date.now()`, and fine enough that a 0.07 ms step is not 0.
 */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Where a run stands. `awaiting_approval` runs are paused at a checkpoint. */
export type RunStatus = "running" | "awaiting_approval" | "completed" | "failed";

/** A tool call of the current step that has not run yet. */
export interface PendingToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** A paused call waiting for a decision: the exact call that an approval lets run. */
export interface Checkpoint {
  id: string;
  runId: string;
  agentId: string;
  reason: string;
  /** The tool name, `<plugin>__<action>`. */
  toolName: string;
  plugin: string;
  action: string;
  tier: string;
  /** The parameters exactly as they will run when approved. */
  args: Record<string, unknown>;
  /** The registry's approval id for this exact call. */
  approvalId: string;
  createdAt: string;
}

/**
 * Everything needed to continue a run, as plain JSON, so a paused run can be
 * resumed by another engine in another process.
 */
export interface RunState {
  version: 1;
  runId: string;
  agentId: string;
  status: RunStatus;
  messages: ModelMessage[];
  stepIndex: number;
  /** True between a step's `stepStarted` and its `stepCompleted`, also while paused. */
  inStep: boolean;
  /** Epoch milliseconds (see {@link epochMs}), for elapsed times that span processes. */
  startedAt: number;
  stepStartedAt: number;
  principal?: Principal;
  /** Calls of the current step still to run; the first is the checkpointed one when paused. */
  pending: PendingToolCall[];
  checkpoint?: Checkpoint;
  output?: string;
  error?: ErrorInfo;
  /** Persona, behaviors and cognitive phase of the run. */
  mind: MindState;
  /** Set when the run belongs to an orchestration: where to go on when it ends. */
  orchestration?: OrchestrationLink;
  /** Set when the run ended by handing off to another agent. */
  handoff?: { to: string; message: string };
  /** How many handoffs led to this run (0 or absent for a run started directly). */
  handoffDepth?: number;
  /** The handoffs that led to this run, in order, when it was handed work; kept so a resumed run still reports the chain. */
  handoffs?: HandoffLink[];
}

/** One passing of work from agent to agent through the handoff tool; `runId` is the run that took it. */
export interface HandoffLink {
  from: string;
  to: string;
  runId: string;
}

/** A run's place in an orchestration, saved with it so a resumed run can continue the orchestration. */
export interface OrchestrationLink {
  id: string;
  strategy: string;
  /** Agents still to run after this one (sequential and router strategies). */
  next: string[];
  /** Epoch milliseconds when the orchestration started. */
  startedAt: number;
  /** Results of the agents that ran before this one. */
  done: RunSummary[];
  /** Set while a router agent decides: the agents it picks from and the input the chosen one gets. */
  routing?: { candidates: string[]; input: string };
  /** Parallel strategy: this run's position in the orchestration's agents. */
  slot?: number;
}

/** What an orchestration keeps of each run. */
export interface RunSummary {
  agentId: string;
  runId: string;
  status: RunResult["status"];
  output?: string;
  error?: ErrorInfo;
}

/** What `engine.run` and `engine.resolveCheckpoint` resolve to. */
export interface RunResult {
  runId: string;
  agentId: string;
  status: "completed" | "failed" | "awaiting_approval";
  output?: string;
  error?: ErrorInfo;
  /** Set when `status` is `awaiting_approval`: what to approve. */
  checkpoint?: Checkpoint;
  steps: number;
  /** The behavior that stopped the run, when one did. */
  stoppedBy?: string;
  /** Agents this result was handed through, in order, when the run handed off (the result is the last agent's). */
  handoffs?: HandoffLink[];
}

/**
 * The decision that resolves a checkpoint; the same shape as an approver's
 * answer, plus the `approvalId` of the call the decider was shown
 * (`checkpoint.approvalId`). When given, an approval counts only for that
 * exact call: a stored checkpoint with another approval id is refused.
 */
export type CheckpointDecision = ApprovalDecision & { readonly approvalId?: string };

/** Where a run a handoff starts comes from: the agent that handed off, and the chain of handoffs before it. */
export interface HandedFrom {
  readonly from: string;
  readonly chain: readonly HandoffLink[];
  readonly depth: number;
}

/** The state of a new run of `agentId` on `input`: its first step not started yet. */
export function newRunState(
  agentId: string,
  input: string,
  mind: MindState,
  principal: Principal | undefined,
  link: OrchestrationLink | undefined,
  handoff: HandedFrom | undefined,
): RunState {
  const now = epochMs();
  const runId = `run_${randomUUID()}`;
  const state: RunState = {
    version: 1,
    runId,
    agentId,
    status: "running",
    messages: [{ role: "user", content: input }],
    stepIndex: 0,
    inStep: false,
    startedAt: now,
    stepStartedAt: now,
    pending: [],
    mind,
  };
  if (principal) state.principal = principal;
  if (link) state.orchestration = link;
  if (handoff) {
    state.handoffDepth = handoff.depth;
    state.handoffs = [...handoff.chain, { from: handoff.from, to: agentId, runId }];
  }
  return state;
}

/** Builds the public result from a run's state. */
export function resultOf(state: RunState): RunResult {
  const result: RunResult = {
    runId: state.runId,
    agentId: state.agentId,
    status: state.status === "running" ? "failed" : state.status,
    steps: state.stepIndex + (state.status === "awaiting_approval" ? 1 : 0),
  };
  if (state.output !== undefined) result.output = state.output;
  if (state.error !== undefined) result.error = state.error;
  if (state.checkpoint !== undefined && state.status === "awaiting_approval") result.checkpoint = state.checkpoint;
  if (state.mind.stopped) result.stoppedBy = state.mind.stopped.behavior;
  if (state.handoffs !== undefined && state.handoffs.length > 0) result.handoffs = [...state.handoffs];
  return result;
}
