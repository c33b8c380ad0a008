import { randomUUID } from "node:crypto";
import { approvalId, type ApprovalDecision, type Logger } from "@cortex/plugins";
import { toErrorInfo, type ErrorInfo } from "./errors.js";
import { startTimer, untilAborted } from "./abort.js";
import type { Checkpoint, CheckpointDecision, PendingToolCall, RunState } from "./run-state.js";
import type { ToolEntry } from "./tools.js";

/** What an inline approver is asked: the exact call, and where it stands. */
export interface EngineApprovalRequest {
  /** The registry's approval id for this exact call (plugin, action, parameters). */
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

/** Answers a checkpoint inline instead of pausing the run. Throwing or timing out counts as a denial. */
export type EngineApprover = (request: EngineApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>;

/** The checkpoint for a call that needs a decision: the exact call, bound by its approval id. */
export function createCheckpoint(state: RunState, call: PendingToolCall, tool: ToolEntry): Checkpoint {
  return {
    id: `cp_${randomUUID()}`,
    runId: state.runId,
    agentId: state.agentId,
    reason: `${tool.plugin}.${tool.action} is a ${tool.tier} action and needs approval`,
    toolName: call.name,
    plugin: tool.plugin,
    action: tool.action,
    tier: tool.tier,
    args: call.args,
    approvalId: approvalId(tool.plugin, tool.action, call.args),
    createdAt: new Date().toISOString(),
  };
}

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
): Promise<ApprovalDecision> {
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
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<ApprovalDecision>((resolve) => {
      timer = startTimer(timeoutMs, () => resolve({ approved: false, reason: `no answer within ${timeoutMs} ms` }));
    });
    const answer = await untilAborted(Promise.race([Promise.resolve().then(() => approver(request)), timeout]), signal);
    if (typeof answer !== "object" || answer === null || typeof answer.approved !== "boolean") {
      return { approved: false, reason: "the approver gave no decision" };
    }
    return cleanDecision(answer);
  } catch (error) {
    if (signal.aborted) return { approved: false, reason: "the run was aborted while waiting for approval" };
    logger.warn("approver threw; the call is denied", {
      checkpointId: checkpoint.id,
      error: toErrorInfo(error).message,
    });
    return { approved: false, reason: "the approver failed" };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why a call that needed a decision must not run, or undefined when it may:
 * it was denied (or nobody answered), or it is not the exact call approved —
 * its parameters no longer match the checkpoint's approval id, or the
 * decision names another approval id than the checkpoint's.
 */
export function refusal(
  call: PendingToolCall,
  tool: ToolEntry,
  decision: CheckpointDecision | undefined,
  approvedId: string | undefined,
): ErrorInfo | undefined {
  if (decision?.approved !== true) {
    const by = decision?.decidedBy ? ` by ${decision.decidedBy}` : "";
    const why = decision?.reason ? `: ${decision.reason}` : "";
    return { code: "CORTEX_APPROVAL_DENIED", message: `The call to ${call.name} was denied${by}${why}` };
  }
  if (approvedId === undefined || approvedId !== approvalId(tool.plugin, tool.action, call.args)) {
    return { code: "CORTEX_APPROVAL_REQUIRED", message: `The parameters of ${call.name} are not the ones approved` };
  }
  if (decision.approvalId !== undefined && decision.approvalId !== approvedId) {
    return {
      code: "CORTEX_APPROVAL_REQUIRED",
      message: `The approval was given for another call than the ${call.name} call waiting at this checkpoint`,
    };
  }
  return undefined;
}

/** The approval the registry gets for an approved call: the decision, bound to the checkpoint's approval id. */
export function registryApproval(decision: CheckpointDecision, id: string) {
  return {
    id,
    approved: true,
    ...(decision.decidedBy !== undefined ? { decidedBy: decision.decidedBy } : {}),
    ...(decision.reason !== undefined ? { reason: decision.reason } : {}),
  };
}

/**
 * A decision as plain, frozen data: `approved`, and `decidedBy` / `reason`
 * when they are strings. What hooks see and what the engine acts on are the
 * same object, so nobody — an extension, or an approver holding on to its
 * answer — can change a decision after it was made.
 */
export function cleanDecision(decision: ApprovalDecision): Readonly<ApprovalDecision> {
  return Object.freeze({
    approved: decision.approved === true,
    ...(typeof decision.decidedBy === "string" ? { decidedBy: decision.decidedBy } : {}),
    ...(typeof decision.reason === "string" ? { reason: decision.reason } : {}),
  });
}
