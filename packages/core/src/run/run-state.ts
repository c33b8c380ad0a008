import { randomUUID } from "node:crypto";
import type { ActionPreview, ApprovalDecision, Principal } from "@cortex/plugins";
import type { ErrorInfo, JsonSchema, ModelMessage, ModelUsage } from "@cortex/primitives";
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
  /** Set for a call the model got wrong (an unknown tool, arguments that are not a JSON object): the model is told. */
  invalid?: ErrorInfo;
  /** The arguments as the model gave them, kept for an invalid call. */
  raw?: unknown;
}

/**
 * Limits of one run, checked between steps (before each model call, never
 * during a tool call). Crossing one fails the run with `CORTEX_BUDGET_EXCEEDED`.
 */
export interface RunBudget {
  /** Input and output tokens of all the run's model calls together, as the provider reported them. */
  maxTokens?: number;
  /** Model calls (one per step). */
  maxModelCalls?: number;
  /** Working time in ms: wall-clock time from the start, less the time spent waiting for approval decisions. */
  maxDurationMs?: number;
}

/** How a run failed: the error as plain data; a `CORTEX_OUTPUT_INVALID` failure carries the model's last answer. */
export interface RunFailure extends ErrorInfo {
  /** The last answer that did not validate against the run's `output` schema. */
  answer?: string;
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
  /** When resolving stops being possible (ISO 8601): past it, any decision counts as a denial. Absent: never. */
  expiresAt?: string;
  /** What the call would change, from the plugin's `preview` (redacted), when it offers one for the action. */
  preview?: ActionPreview;
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
  /** The parsed, validated answer of a run with structured output. */
  value?: unknown;
  error?: RunFailure;
  /** The last `seq` given to one of this run's events; 0 before the first. Saved, so numbering goes on after a resume. */
  seq: number;
  /** Tokens the run's model calls used so far, across pauses. */
  usage: ModelUsage;
  /** Model calls made so far. */
  modelCalls: number;
  /** Time spent waiting for decisions (paused, or for an inline approver), which `maxDurationMs` does not count. */
  waitedMs: number;
  /** Where this run's own input starts in `messages`; what comes before is its session's history. */
  inputStart: number;
  /** Wrong tool calls (an unknown tool, arguments that are not JSON) sent back to the model so far. */
  toolRepairs: number;
  budget?: RunBudget;
  /** How long a checkpoint of this run stays resolvable, in ms; absent: forever. */
  checkpointTtlMs?: number;
  /** Set for a run with structured output: the JSON Schema its answer must match, and the corrections used. */
  structured?: StructuredOutput;
  /** The session the run continues, when it has one. */
  sessionId?: string;
  /** The session's version as this run last wrote (or took) it, how many of `messages` it holds, and the lease's end (epoch ms). */
  session?: { version: number; saved: number; leaseUntil?: number };
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

/** What a run with structured output keeps in its state. */
export interface StructuredOutput {
  /** The answer's JSON Schema; absent when a Standard Schema has no JSON Schema converter. */
  schema?: JsonSchema;
  /** Answers that did not validate and went back to the model so far. */
  retries: number;
  /** Where the first answer that did not validate sits in `messages`: the corrections are left out of the session. */
  firstInvalid?: number;
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

/**
 * What `engine.run` and `engine.resolveCheckpoint` resolve to, and what the
 * `finish` event of `engine.stream` carries. `T` is the type of `value`,
 * inferred from the run's `output` schema.
 */
export interface RunResult<T = unknown> {
  runId: string;
  agentId: string;
  status: "completed" | "failed" | "awaiting_approval";
  /** The model's final answer as text (for structured output: its JSON text). */
  output?: string;
  /** The parsed, validated answer, when the run asked for structured output (`output`) and completed. */
  value?: T;
  error?: RunFailure;
  /** Tokens all the run's model calls used, summed across pauses (0 when the provider reports none). */
  usage: ModelUsage;
  /** The session the run continued, when it had one. */
  sessionId?: string;
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

/** A new run id. */
export const newRunId = (): string => `run_${randomUUID()}`;

/** What a new run starts from. */
export interface RunStart {
  runId: string;
  agentId: string;
  /** The session's history (if any), then the run's input. */
  messages: ModelMessage[];
  /** Where the input starts in `messages`. */
  inputStart: number;
  mind: MindState;
  principal?: Principal | undefined;
  link?: OrchestrationLink | undefined;
  handoff?: HandedFrom | undefined;
}

/** The state of a new run: its first step not started yet. */
export function newRunState(start: RunStart): RunState {
  const now = epochMs();
  const { runId, agentId, principal, link, handoff } = start;
  const state: RunState = {
    version: 1,
    runId,
    agentId,
    status: "running",
    messages: start.messages,
    stepIndex: 0,
    inStep: false,
    startedAt: now,
    stepStartedAt: now,
    pending: [],
    seq: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
    modelCalls: 0,
    waitedMs: 0,
    inputStart: start.inputStart,
    toolRepairs: 0,
    mind: start.mind,
  };
  if (principal) state.principal = principal;
  if (link) state.orchestration = link;
  if (handoff) {
    state.handoffDepth = handoff.depth;
    state.handoffs = [...handoff.chain, { from: handoff.from, to: agentId, runId }];
  }
  return state;
}

/**
 * Fills in what a state saved by an earlier version of the engine lacks, so
 * it resumes with the numbering, usage and counters starting from zero.
 */
export function upgradeState(state: RunState): RunState {
  state.seq ??= 0;
  state.usage ??= { inputTokens: 0, outputTokens: 0 };
  state.modelCalls ??= 0;
  state.waitedMs ??= 0;
  state.inputStart ??= 0;
  state.toolRepairs ??= 0;
  return state;
}

/** Builds the public result from a run's state. */
export function resultOf(state: RunState): RunResult {
  const result: RunResult = {
    runId: state.runId,
    agentId: state.agentId,
    status: state.status === "running" ? "failed" : state.status,
    steps: state.stepIndex + (state.status === "awaiting_approval" ? 1 : 0),
    usage: { ...state.usage },
  };
  if (state.output !== undefined) result.output = state.output;
  if (state.value !== undefined && state.status === "completed") result.value = state.value;
  if (state.sessionId !== undefined) result.sessionId = state.sessionId;
  if (state.error !== undefined) result.error = state.error;
  if (state.checkpoint !== undefined && state.status === "awaiting_approval") result.checkpoint = state.checkpoint;
  if (state.mind.stopped) result.stoppedBy = state.mind.stopped.behavior;
  if (state.handoffs !== undefined && state.handoffs.length > 0) result.handoffs = [...state.handoffs];
  return result;
}
