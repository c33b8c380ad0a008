import { randomUUID } from "node:crypto";
import { approvalId, type ApprovalDecision } from "@cortex/plugins";
import { InvalidOptionsError } from "@cortex/primitives";
import type { Checkpoint, CheckpointDecision, PendingToolCall, RunState } from "../run/run-state.js";
import type { ToolEntry } from "../run/tool-set.js";

/** The latest time a JavaScript Date holds; a time-to-live reaching past it means "never expires". */
const MAX_DATE_MS = 8.64e15;

/**
 * The checkpoint for a call that needs a decision: the exact call, bound by
 * its approval id, with the tier it had, and when it expires (the run's
 * `checkpointTtlMs` from now), if it does.
 */
export function createCheckpoint(state: RunState, call: PendingToolCall, tool: ToolEntry): Checkpoint {
  const now = Date.now();
  const ttl = state.checkpointTtlMs;
  const checkpoint: Checkpoint = {
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
    createdAt: new Date(now).toISOString(),
  };
  if (ttl !== undefined && now + ttl <= MAX_DATE_MS) checkpoint.expiresAt = new Date(now + ttl).toISOString();
  return checkpoint;
}

/** True when a checkpoint's time to be resolved has passed. */
export function hasExpired(checkpoint: Checkpoint, now: number): boolean {
  return checkpoint.expiresAt !== undefined && Date.parse(checkpoint.expiresAt) <= now;
}

/** Why `engine.resolveCheckpoint` cannot take `decision` (`CORTEX_INVALID_OPTIONS` naming the field), or undefined. */
export function decisionProblem(decision: CheckpointDecision): InvalidOptionsError | undefined {
  if (typeof decision !== "object" || decision === null || typeof decision.approved !== "boolean") {
    return new InvalidOptionsError("decision.approved", "A checkpoint decision needs approved: true or false");
  }
  if (decision.approvalId !== undefined && typeof decision.approvalId !== "string") {
    const message = "A checkpoint decision's approvalId must be the checkpoint's approvalId string";
    return new InvalidOptionsError("decision.approvalId", message);
  }
  return undefined;
}

/** A decision as hooks see it, and as the gate acts on it: bound to the approval id its decider named, when one did. */
export interface ReadDecision {
  /** Frozen plain data: `approved`, and `decidedBy` / `reason` when they are strings. */
  readonly shown: Readonly<ApprovalDecision>;
  /** `shown` plus the `approvalId` the decider named; what the gate checks against the checkpoint. */
  readonly bound: Readonly<CheckpointDecision>;
}

/**
 * Reads a decision into plain, frozen data. What hooks see and what the
 * engine acts on are made once, here, so nobody — an extension, or an
 * approver holding on to its answer — can change a decision after it was
 * made. An `approvalId` that is not a string names no call: the decision
 * binds to nothing and cannot approve.
 */
export function readDecision(decision: ApprovalDecision & { readonly approvalId?: unknown }): ReadDecision {
  const shown = Object.freeze({
    approved: decision.approved === true,
    ...(typeof decision.decidedBy === "string" ? { decidedBy: decision.decidedBy } : {}),
    ...(typeof decision.reason === "string" ? { reason: decision.reason } : {}),
  });
  const named = decision.approvalId;
  if (named === undefined) return { shown, bound: shown };
  const approvalId = typeof named === "string" ? named : "";
  return { shown, bound: Object.freeze({ ...shown, approvalId }) };
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
