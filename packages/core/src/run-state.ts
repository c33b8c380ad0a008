import type { ApprovalDecision, Principal } from "@cortex/plugins";
import type { ErrorInfo } from "./errors.js";
import type { ModelMessage } from "./model.js";

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
  /** Epoch milliseconds, for elapsed times that span processes. */
  startedAt: number;
  stepStartedAt: number;
  principal?: Principal;
  /** Calls of the current step still to run; the first is the checkpointed one when paused. */
  pending: PendingToolCall[];
  checkpoint?: Checkpoint;
  output?: string;
  error?: ErrorInfo;
  /** Per-run data of mechanisms layered on the loop (personas, phases). Plain JSON. */
  extensions: Record<string, unknown>;
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
}

/** The decision that resolves a checkpoint; the same shape as an approver's answer. */
export type CheckpointDecision = ApprovalDecision;

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
  return result;
}
