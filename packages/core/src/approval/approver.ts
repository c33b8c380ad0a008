import { TimeoutError, toErrorInfo, withDeadline, type Logger } from "@cortex/primitives";
import type { Checkpoint, CheckpointDecision } from "../run/run-state.js";
import { readDecision, type ReadDecision } from "./checkpoints.js";

/** What an inline approver is asked: the exact call, and where it stands. */
export interface EngineApprovalRequest {
  /** The registry's approval id for this exact call (plugin, action, parameters); pass it back as `approvalId`. */
  id: string;
  checkpointId: string;
  runId: string;
  agentId: string;
  toolName: string;
  plugin: string;
  action: string;
  tier: string;
  params: Record<string, unknown>;
  reason: string;
}

/**
 * Answers a checkpoint inline instead of pausing the run. Throwing or timing
 * out counts as a denial; an answer whose `approvalId` is not the request's
 * `id` never lets the call run.
 */
export type EngineApprover = (request: EngineApprovalRequest) => CheckpointDecision | Promise<CheckpointDecision>;

const denial = (reason: string): ReadDecision => readDecision({ approved: false, reason });

/**
 * Asks an inline approver about a checkpoint. Never rejects: an approver
 * that throws, answers something that is not a decision, or does not answer
 * within `timeoutMs` denies; an abort of the run ends the wait at once.
 */
export async function askApprover(
  approver: EngineApprover,
  checkpoint: Checkpoint,
  signal: AbortSignal,
  timeoutMs: number,
  logger: Logger,
): Promise<ReadDecision> {
  const request: EngineApprovalRequest = {
    id: checkpoint.approvalId,
    checkpointId: checkpoint.id,
    runId: checkpoint.runId,
    agentId: checkpoint.agentId,
    toolName: checkpoint.toolName,
    plugin: checkpoint.plugin,
    action: checkpoint.action,
    tier: checkpoint.tier,
    params: structuredClone(checkpoint.args),
    reason: checkpoint.reason,
  };
  let answer: unknown;
  try {
    answer = await withDeadline(
      Promise.resolve().then(() => approver(request)),
      { timeoutMs, signal },
    );
  } catch (error) {
    if (signal.aborted) return denial("the run was aborted while waiting for approval");
    if (error instanceof TimeoutError) return denial(`no answer within ${timeoutMs} ms`);
    logger.warn("approver threw; the call is denied", {
      checkpointId: checkpoint.id,
      error: toErrorInfo(error).message,
    });
    return denial("the approver failed");
  }
  if (typeof answer !== "object" || answer === null || typeof (answer as CheckpointDecision).approved !== "boolean") {
    return denial("the approver gave no decision");
  }
  return readDecision(answer as CheckpointDecision);
}
