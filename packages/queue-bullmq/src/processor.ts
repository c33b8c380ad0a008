import {
  CheckpointNotFoundError,
  resultOf,
  type DurableRunStore,
  type Engine,
  type RunInput,
  type RunResult,
} from "@cortex/core";
import { toErrorInfo } from "@cortex/primitives";
import type { Job } from "bullmq";
import { RESUME, START, type ResumeJob, type StartJob } from "./jobs.js";

const REFUSALS = new Set([
  "CORTEX_AGENT_NOT_FOUND",
  "CORTEX_PERSONA_NOT_FOUND",
  "CORTEX_INVALID_OPTIONS",
  "CORTEX_NO_MATCHING_TOOLS",
]);

/** A job taken again after its worker died (a stalled job), or after its processing threw. */
const redelivered = (job: Job): boolean => job.attemptsStarted > 1 || job.stalledCounter > 0 || job.attemptsMade > 0;

/**
 * Runs one job on the engine. Every job starts from what the store holds,
 * so a job taken again after a crash goes on from the run's last save
 * instead of starting over: a run not stored yet starts; a running one
 * continues (`engine.continueRun`, the call journal keeping each call to
 * one run); a paused or ended one is only reported. `signal` (the job's
 * lease) aborts the engine run the job drives.
 */
export async function processJob(
  job: Job,
  engine: Engine,
  store: DurableRunStore,
  signal: AbortSignal,
): Promise<RunResult> {
  if (job.name !== START && job.name !== RESUME) throw new Error(`unknown job "${job.name}"`);
  const result =
    job.name === START
      ? await start(job.data as StartJob, engine, store, signal)
      : await resume(job as Job<ResumeJob>, engine, store, signal);
  // The store failed under the run (PostgreSQL unreachable past its retries): the job is tried again
  // later, from the run's last save, instead of ending the run as failed.
  if (result.status === "failed" && result.error?.code === "CORTEX_RUN_STORE_FAILED") {
    throw new Error(`the run store failed under run "${result.runId}": ${result.error.message}`);
  }
  return result;
}

async function start(data: StartJob, engine: Engine, store: DurableRunStore, signal: AbortSignal): Promise<RunResult> {
  const stored = await store.load(data.runId);
  if (stored === undefined) {
    try {
      return await engine.run(data.agentId, data.input as RunInput, { ...data.options, runId: data.runId, signal });
    } catch (error) {
      // Refused for good (an unknown agent, bad options): a failed run, not a job to try again.
      if (!REFUSALS.has((error as { code?: unknown }).code as string)) throw error;
      return failed(data.runId, data.agentId, error as Error);
    }
  }
  return stored.status === "running" ? continued(engine, data.runId, signal) : resultOf(stored);
}

async function resume(
  job: Job<ResumeJob>,
  engine: Engine,
  store: DurableRunStore,
  signal: AbortSignal,
): Promise<RunResult> {
  const { runId, checkpointId, decision } = job.data;
  const stored = await store.load(runId);
  if (stored === undefined) {
    return failed(runId, "", new CheckpointNotFoundError(checkpointId));
  }
  if (stored.status === "running") return continued(engine, runId, signal);
  if (stored.status !== "awaiting_approval" || stored.checkpoint?.id !== checkpointId) return resultOf(stored);
  try {
    return await engine.resolveCheckpoint(checkpointId, decision, { signal });
  } catch (error) {
    if (!(error instanceof CheckpointNotFoundError) || !redelivered(job)) throw error;
  }
  // The claim was taken by this job's earlier delivery, whose worker died before the run saved again:
  // the checkpoint is made claimable again and resolved with the same decision. The call journal
  // keeps the approved call to one run even if that worker had begun it.
  await store.save(stored);
  return engine.resolveCheckpoint(checkpointId, decision, { signal });
}

async function continued(engine: Engine, runId: string, signal: AbortSignal): Promise<RunResult> {
  const result = await engine.continueRun(runId, { signal });
  return result ?? failed(runId, "", new Error(`run "${runId}" is no longer in the store`));
}

/** A run that could not start or go on, as a failed result. */
function failed(runId: string, agentId: string, error: Error): RunResult {
  const info = toErrorInfo(error);
  return { runId, agentId, status: "failed", error: info, usage: { inputTokens: 0, outputTokens: 0 }, steps: 0 };
}
