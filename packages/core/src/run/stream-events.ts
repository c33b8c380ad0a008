import type { ErrorInfo, FinishReason, ModelUsage } from "@cortex/primitives";
import type { Checkpoint, RunResult } from "./run-state.js";

/**
 * What `engine.stream` yields, each with a `type`. A run's events come in
 * the order of its hooks; a handoff's next run follows with its own
 * `run-start`; `finish` is always last, once.
 */
export type RunStreamEvent<T = unknown> =
  /** A run began (or, `resumed`, went on after a checkpoint); the first event of each run of a handoff chain. */
  | { type: "run-start"; runId: string; agentId: string; resumed: boolean; sessionId?: string }
  /** A step (one model turn) began. */
  | { type: "step-start"; runId: string; stepIndex: number }
  /** Text of the model's answer, as it arrives; consecutive deltas are merged while the reader lags. */
  | { type: "text-delta"; runId: string; stepIndex: number; text: string }
  /** A tool call is about to go through the gate (and run, or wait for approval). `args` is a copy. */
  | { type: "tool-call"; runId: string; toolCallId: string; toolName: string; args: unknown }
  /** How a tool call ended: its data, or the error the model is told. */
  | ToolResultEvent
  /** The run paused for a decision on this call (with the plugin's `preview` when it has one); `finish` follows with `awaiting_approval`. */
  | { type: "checkpoint"; runId: string; checkpoint: Checkpoint }
  /** A step ended, with what its model call used and why the model stopped (when it said). */
  | { type: "step-finish"; runId: string; stepIndex: number; usage?: ModelUsage; finishReason?: FinishReason }
  /** The end: the same result `engine.run` resolves to. */
  | { type: "finish"; result: RunResult<T> };

/** A `tool-result` event: `ok` with the action's data, or not with the error the model is told. */
export type ToolResultEvent =
  | { type: "tool-result"; runId: string; toolCallId: string; toolName: string; ok: true; data: unknown }
  | { type: "tool-result"; runId: string; toolCallId: string; toolName: string; ok: false; error: ErrorInfo };

/** The `type` of a stream event. */
export type RunStreamEventType = RunStreamEvent["type"];

/** A `step-finish` event. */
export type StepFinishEvent = Extract<RunStreamEvent, { type: "step-finish" }>;
