import type { CheckpointDecision, RunOptions } from "@cortex/core";

/** What a queued run may carry of `RunOptions`: the parts that are plain JSON. */
export type QueuedRunOptions = Pick<RunOptions, "principal" | "sessionId" | "budget" | "checkpointTtlMs"> & {
  /** The run's id; default a fresh one. Starting the same id twice starts one run. */
  runId?: string;
};

/** The job that starts a run. */
export interface StartJob {
  readonly runId: string;
  readonly agentId: string;
  readonly input: string | unknown[];
  readonly options: Omit<QueuedRunOptions, "runId">;
}

/** The job that resumes a run paused at a checkpoint with a decision. */
export interface ResumeJob {
  readonly runId: string;
  readonly checkpointId: string;
  readonly decision: CheckpointDecision;
}

/** Job names on the queue. */
export const START = "start";
export const RESUME = "resume";

/** One job per run start and per checkpoint: adding the same id again adds nothing. */
export const startJobId = (runId: string): string => `start-${runId}`;
export const resumeJobId = (checkpointId: string): string => `resume-${checkpointId}`;
