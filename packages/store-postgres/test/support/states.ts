import { randomUUID } from "node:crypto";
import type { Checkpoint, RunState } from "@cortex/core";

/** What a test may choose about a paused run; everything else gets a plausible value. */
export interface PausedRunSpec {
  runId?: string;
  agentId?: string;
  plugin?: string;
  action?: string;
  tier?: string;
  args?: Record<string, unknown>;
  createdAt?: string;
  checkpointId?: string;
}

/** A run state as the engine saves it when a run pauses at a CONFIRM call. */
export function pausedRun(spec: PausedRunSpec = {}): RunState {
  const runId = spec.runId ?? `run_${randomUUID()}`;
  const agentId = spec.agentId ?? "assistant";
  const plugin = spec.plugin ?? "notes";
  const action = spec.action ?? "publish";
  const args = spec.args ?? { text: "hello", tags: ["a", "b"], nested: { n: 1.5, ok: true, none: null } };
  const checkpoint: Checkpoint = {
    id: spec.checkpointId ?? `cp_${randomUUID()}`,
    runId,
    agentId,
    reason: `${plugin}__${action} needs approval`,
    toolName: `${plugin}__${action}`,
    plugin,
    action,
    tier: spec.tier ?? "CONFIRM",
    args,
    approvalId: `ap_${randomUUID()}`,
    createdAt: spec.createdAt ?? new Date().toISOString(),
  };
  return {
    version: 1,
    runId,
    agentId,
    status: "awaiting_approval",
    messages: [
      { role: "user", content: "publish it — ünïcødé ✓" },
      { role: "assistant", toolCalls: [{ id: "c1", name: checkpoint.toolName, arguments: args }] },
    ],
    stepIndex: 0,
    inStep: true,
    seq: 3,
    usage: { inputTokens: 0, outputTokens: 0 },
    modelCalls: 1,
    waitedMs: 0,
    inputStart: 0,
    toolRepairs: 0,
    startedAt: Date.now() - 1000,
    stepStartedAt: Date.now() - 500,
    pending: [{ id: "c1", name: checkpoint.toolName, args }],
    checkpoint,
    mind: { stepsInPhase: 0, injected: [], approvalTools: [], fired: [], inputChecked: true },
  };
}

/** The same run, resumed and finished: no longer paused anywhere. */
export function finished(state: RunState, output = "done"): RunState {
  const { checkpoint: _checkpoint, ...rest } = structuredClone(state);
  return { ...rest, status: "completed", pending: [], inStep: false, output, stepIndex: state.stepIndex + 1 };
}
