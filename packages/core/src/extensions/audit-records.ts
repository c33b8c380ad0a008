import type { HookEvent, HookName } from "@cortex/hooks";
import { toJson } from "../json.js";

/** How an audited occurrence ended. */
export type AuditOutcome = "started" | "success" | "failure" | "pending" | "approved" | "denied" | "info";

/** One audit record. Never holds raw run input, tool arguments' values or credentials. */
export interface AuditEvent {
  /** ISO 8601 time the record was made. */
  timestamp: string;
  /** The hook that produced it. */
  hook: HookName;
  /** What happened, e.g. `tool.call`, `checkpoint.resolve`. */
  action: string;
  /** The kind of thing it happened to: `run`, `tool`, `checkpoint`, `agent`, `orchestration`, `engine`. */
  resource: string;
  resourceId: string;
  outcome: AuditOutcome;
  severity: "info" | "warning" | "error";
  reason?: string;
  metadata: Record<string, unknown>;
}

function describe(error: unknown): { reason: string; code?: string } {
  if (typeof error === "object" && error !== null) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    return { reason: typeof message === "string" ? message : "error", ...(typeof code === "string" ? { code } : {}) };
  }
  return { reason: String(error) };
}

const lengthOf = (value: unknown): number =>
  typeof value === "string" ? value.length : (toJson(value ?? null)?.length ?? 0);

/** The orchestration a run, step or tool event belongs to, as record metadata. */
const within = (e: { orchestrationId?: string }) =>
  e.orchestrationId === undefined ? undefined : { orchestrationId: e.orchestrationId };

/**
 * How each hook becomes an audit record, made in one go (`at` is the
 * record's timestamp). The event's `seq`, when it has one, is added to the
 * metadata by `AuditExtension`, so a gap in a run's records shows.
 */
export const AUDIT_RECORDS: { [H in HookName]: (event: HookEvent<H>, at: string) => AuditEvent } = {
  runStarted: (e, at) => ({
    timestamp: at,
    hook: "runStarted",
    action: "run.start",
    resource: "run",
    resourceId: e.runId,
    outcome: "started",
    severity: "info",
    metadata: { agentId: e.agentId, inputLength: lengthOf(e.input), ...within(e) },
  }),
  runCompleted: (e, at) => ({
    timestamp: at,
    hook: "runCompleted",
    action: "run.complete",
    resource: "run",
    resourceId: e.runId,
    outcome: "success",
    severity: "info",
    metadata: { agentId: e.agentId, elapsedMs: e.elapsedMs, outputLength: lengthOf(e.output), ...within(e) },
  }),
  runFailed: (e, at) => {
    const { reason, code } = describe(e.error);
    return {
      timestamp: at,
      hook: "runFailed",
      action: "run.fail",
      resource: "run",
      resourceId: e.runId,
      outcome: "failure",
      severity: "error",
      reason,
      metadata: { agentId: e.agentId, code, ...within(e) },
    };
  },
  stepStarted: (e, at) => ({
    timestamp: at,
    hook: "stepStarted",
    action: "step.start",
    resource: "run",
    resourceId: e.runId,
    outcome: "started",
    severity: "info",
    metadata: { stepIndex: e.stepIndex, ...within(e) },
  }),
  stepCompleted: (e, at) => ({
    timestamp: at,
    hook: "stepCompleted",
    action: "step.complete",
    resource: "run",
    resourceId: e.runId,
    outcome: "success",
    severity: "info",
    metadata: { stepIndex: e.stepIndex, elapsedMs: e.elapsedMs, ...within(e) },
  }),
  toolCalled: (e, at) => ({
    timestamp: at,
    hook: "toolCalled",
    action: "tool.call",
    resource: "tool",
    resourceId: e.toolName,
    outcome: "started",
    severity: "info",
    metadata: {
      runId: e.runId,
      toolCallId: e.toolCallId,
      argumentNames: typeof e.args === "object" && e.args !== null ? Object.keys(e.args) : [],
      ...within(e),
    },
  }),
  toolCompleted: (e, at) => ({
    timestamp: at,
    hook: "toolCompleted",
    action: "tool.complete",
    resource: "tool",
    resourceId: e.toolName,
    outcome: "success",
    severity: "info",
    metadata: { runId: e.runId, toolCallId: e.toolCallId, elapsedMs: e.elapsedMs, ...within(e) },
  }),
  toolFailed: (e, at) => {
    const { reason, code } = describe(e.error);
    return {
      timestamp: at,
      hook: "toolFailed",
      action: "tool.fail",
      resource: "tool",
      resourceId: e.toolName,
      outcome: "failure",
      severity: "warning",
      reason,
      metadata: { runId: e.runId, toolCallId: e.toolCallId, code, ...within(e) },
    };
  },
  personaResolved: (e, at) => ({
    timestamp: at,
    hook: "personaResolved",
    action: "persona.resolve",
    resource: "agent",
    resourceId: e.agentId,
    outcome: "info",
    severity: "info",
    metadata: { persona: e.personaName, ...(e.runId === undefined ? {} : { runId: e.runId }) },
  }),
  behaviorTriggered: (e, at) => ({
    timestamp: at,
    hook: "behaviorTriggered",
    action: "behavior.trigger",
    resource: "run",
    resourceId: e.runId,
    outcome: "info",
    severity: "info",
    metadata: { behavior: e.behaviorName },
  }),
  cognitivePhaseChanged: (e, at) => ({
    timestamp: at,
    hook: "cognitivePhaseChanged",
    action: "phase.change",
    resource: "run",
    resourceId: e.runId,
    outcome: "info",
    severity: "info",
    metadata: { from: e.from, to: e.to },
  }),
  checkpointCreated: (e, at) => ({
    timestamp: at,
    hook: "checkpointCreated",
    action: "checkpoint.create",
    resource: "checkpoint",
    resourceId: e.checkpointId,
    outcome: "pending",
    severity: "info",
    reason: e.reason,
    metadata: { runId: e.runId },
  }),
  checkpointResolved: (e, at) => ({
    timestamp: at,
    hook: "checkpointResolved",
    action: "checkpoint.resolve",
    resource: "checkpoint",
    resourceId: e.checkpointId,
    outcome: e.decision.approved ? "approved" : "denied",
    severity: e.decision.approved ? "info" : "warning",
    ...(e.decision.reason !== undefined ? { reason: e.decision.reason } : {}),
    metadata: { decidedBy: e.decision.decidedBy ?? null, ...(e.runId === undefined ? {} : { runId: e.runId }) },
  }),
  orchestrationStarted: (e, at) => ({
    timestamp: at,
    hook: "orchestrationStarted",
    action: "orchestration.start",
    resource: "orchestration",
    resourceId: e.orchestrationId,
    outcome: "started",
    severity: "info",
    metadata: { strategy: e.strategy },
  }),
  orchestrationCompleted: (e, at) => ({
    timestamp: at,
    hook: "orchestrationCompleted",
    action: "orchestration.complete",
    resource: "orchestration",
    resourceId: e.orchestrationId,
    outcome: e.outcome === "failed" ? "failure" : "success",
    severity: e.outcome === "failed" ? "error" : "info",
    metadata: { elapsedMs: e.elapsedMs },
  }),
  agentHandoff: (e, at) => ({
    timestamp: at,
    hook: "agentHandoff",
    action: "agent.handoff",
    resource: "orchestration",
    resourceId: e.orchestrationId,
    outcome: "info",
    severity: "info",
    metadata: { from: e.from, to: e.to, payloadLength: lengthOf(e.payload) },
  }),
  modelCalled: (e, at) => ({
    timestamp: at,
    hook: "modelCalled",
    action: "model.call",
    resource: "run",
    resourceId: e.runId,
    outcome: "started",
    severity: "info",
    metadata: { stepIndex: e.stepIndex, ...within(e) },
  }),
  modelCompleted: (e, at) => ({
    timestamp: at,
    hook: "modelCompleted",
    action: "model.complete",
    resource: "run",
    resourceId: e.runId,
    outcome: "success",
    severity: "info",
    metadata: {
      stepIndex: e.stepIndex,
      elapsedMs: e.elapsedMs,
      ...(e.usage ? { inputTokens: e.usage.inputTokens, outputTokens: e.usage.outputTokens } : {}),
      ...within(e),
    },
  }),
  modelFailed: (e, at) => {
    const { reason, code } = describe(e.error);
    return {
      timestamp: at,
      hook: "modelFailed",
      action: "model.fail",
      resource: "run",
      resourceId: e.runId,
      outcome: "failure",
      severity: "error",
      reason,
      metadata: { stepIndex: e.stepIndex, code, ...within(e) },
    };
  },
  shutdown: (_e, at) => ({
    timestamp: at,
    hook: "shutdown",
    action: "engine.shutdown",
    resource: "engine",
    resourceId: "engine",
    outcome: "info",
    severity: "info",
    metadata: {},
  }),
};
