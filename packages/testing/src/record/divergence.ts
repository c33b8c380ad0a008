import type { HookName } from "@cortex/hooks";

/** What kind of difference a replay found first. */
export type DivergenceKind =
  /** A model request differs: its messages, the tools offered, or the agent asking. */
  | "model-request"
  /** The engine asked the model more often than the recording did. */
  | "model-call-extra"
  /** A tool call differs: another tool, other arguments, or a call the recording has no result for. */
  | "tool-call"
  /** A different tier decision: a call paused for approval that did not, or the other way round. */
  | "tier"
  /** An event is missing, extra, or says something else, at this `seq` of the run. */
  | "event"
  /** The run paused at a checkpoint the recording has no decision for. */
  | "checkpoint-extra";

/** The first place a replay went another way than the recording, precisely enough to find the cause. */
export interface Divergence {
  kind: DivergenceKind;
  /** The run (index in the recording's `runs`: 0 for the first, 1 for the run a handoff started, …). */
  run: number;
  agentId?: string;
  /** The `seq` of the run's event where it happened (for a model request: its `modelCalled`). */
  seq?: number;
  stepIndex?: number;
  hook?: HookName;
  /** Where in the compared value, e.g. `messages[0].content` or `tools[1].parameters.properties.text.type`. */
  path?: string;
  expected?: unknown;
  actual?: unknown;
  /** One line saying all of the above in words. */
  message: string;
}

/** What `replay` found. */
export interface ReplayReport {
  /** True when the replay went exactly as recorded. */
  ok: boolean;
  /** The first divergence, in the order the replayed run met them. */
  divergence?: Divergence;
  /** Every divergence found, first first. */
  divergences: Divergence[];
  /** What the replay did: model calls answered, recorded tool results returned, run events compared. */
  counts: { modelCalls: number; toolCalls: number; events: number };
}

/** A value as a short text for a message. */
export function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
