import type { CheckpointDecision, RunResult } from "@cortex/core";
import { InvalidOptionsError } from "@cortex/primitives";

/** What became of a resume: the run's status when it was resumed here, `queued` when handed to workers. */
export interface ResumeOutcome {
  status: RunResult["status"] | "queued";
  runId?: string;
}

/** A decision to carry out: the checkpoint and the decision, bound to the call's approval id. */
export interface ResumeJob {
  checkpointId: string;
  decision: CheckpointDecision & { approvalId: string };
}

/**
 * Carries a decision out: resumes the paused run, or hands the resume to
 * workers. Called once per decision by the server that recorded it (and
 * again after a restart for a decision recorded but not carried out), so it
 * must tolerate a checkpoint that was resumed meanwhile: the engine's claim
 * makes a second resume fail with `CORTEX_CHECKPOINT_NOT_FOUND`, and does
 * nothing.
 */
export interface Decider {
  resume(job: ResumeJob): Promise<ResumeOutcome>;
}

/** What `engineDecider` needs of an engine. */
export interface ResumingEngine {
  resolveCheckpoint(checkpointId: string, decision: CheckpointDecision): Promise<RunResult>;
}

/**
 * Resumes runs in this process, through an engine that shares the run
 * store with the process that paused them (same agents, plugins and
 * model). Resolves when the run ends or pauses again.
 */
export function engineDecider(engine: ResumingEngine): Decider {
  if (typeof engine?.resolveCheckpoint !== "function")
    throw new InvalidOptionsError("engine", "engineDecider needs an engine (with resolveCheckpoint)");
  return {
    async resume({ checkpointId, decision }) {
      const result = await engine.resolveCheckpoint(checkpointId, decision);
      return { status: result.status, runId: result.runId };
    },
  };
}

/**
 * Hands each decision to workers: `enqueue` puts the job on a queue and
 * resolves once it is stored there; a worker then calls
 * `engine.resolveCheckpoint(job.checkpointId, job.decision)`.
 */
export function queueDecider(enqueue: (job: ResumeJob) => Promise<unknown>): Decider {
  if (typeof enqueue !== "function") throw new InvalidOptionsError("enqueue", "queueDecider needs an enqueue function");
  return {
    async resume(job) {
      await enqueue(job);
      return { status: "queued" };
    },
  };
}
