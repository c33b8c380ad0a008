import type { HookName } from "@cortex/hooks";

type Fields = Record<string, unknown>;

const codeOf = (error: unknown): unknown =>
  typeof error === "object" && error !== null ? ((error as { code?: unknown }).code ?? "error") : "error";

/**
 * What is kept of each hook's event: the fields that say what happened,
 * without what changes from one run to the next (run, checkpoint and
 * orchestration ids, times). Errors are kept as their code.
 */
const KEEP: Partial<Record<HookName, (e: Fields) => Fields>> = {
  runStarted: (e) => ({ agentId: e.agentId, input: e.input }),
  runCompleted: (e) => ({ agentId: e.agentId, output: e.output }),
  runFailed: (e) => ({ agentId: e.agentId, error: codeOf(e.error) }),
  stepStarted: (e) => ({ stepIndex: e.stepIndex }),
  stepCompleted: (e) => ({ stepIndex: e.stepIndex }),
  modelCalled: (e) => ({ stepIndex: e.stepIndex }),
  modelCompleted: (e) => ({ stepIndex: e.stepIndex }),
  modelFailed: (e) => ({ stepIndex: e.stepIndex, error: codeOf(e.error) }),
  toolCalled: (e) => ({ toolName: e.toolName, toolCallId: e.toolCallId, args: e.args }),
  toolCompleted: (e) => ({ toolName: e.toolName, toolCallId: e.toolCallId }),
  toolFailed: (e) => ({ toolName: e.toolName, toolCallId: e.toolCallId, error: codeOf(e.error) }),
  personaResolved: (e) => ({ agentId: e.agentId, personaName: e.personaName }),
  behaviorTriggered: (e) => ({ behaviorName: e.behaviorName }),
  cognitivePhaseChanged: (e) => ({ from: e.from, to: e.to }),
  checkpointCreated: (e) => ({ reason: e.reason }),
  checkpointResolved: (e) => ({ decision: e.decision }),
  agentHandoff: (e) => ({ from: e.from, to: e.to, payload: e.payload }),
};

/** The kept fields of a run's event (as JSON), or undefined for a hook that belongs to no run. */
export function keptFields(hook: HookName, event: unknown): Fields | undefined {
  const keep = KEEP[hook];
  if (keep === undefined) return undefined;
  const kept = keep(event as Fields);
  for (const key of Object.keys(kept)) if (kept[key] === undefined) delete kept[key];
  return JSON.parse(JSON.stringify(kept)) as Fields;
}

/** The run an event belongs to, by its `runId`, or undefined. */
export function runIdOf(event: unknown): string | undefined {
  const runId = (event as { runId?: unknown }).runId;
  return typeof runId === "string" ? runId : undefined;
}
