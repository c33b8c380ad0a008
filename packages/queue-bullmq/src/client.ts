import { randomUUID } from "node:crypto";
import type { CheckpointDecision, RunResult } from "@cortex/core";
import { checkTimeLimit, InvalidOptionsError, isPlainObject } from "@cortex/primitives";
import { Job, Queue, QueueEvents } from "bullmq";
import { coded, QueueClosedError, QueueJobFailedError, QueueWaitTimeoutError } from "./errors.js";
import {
  RESUME,
  resumeJobId,
  START,
  startJobId,
  type QueuedRunOptions,
  type ResumeJob,
  type StartJob,
} from "./jobs.js";
import { connectionOf, locationOf, QUEUE_BULLMQ_DEFAULTS, wholeNumber, type QueueLocation } from "./options.js";

/** Options of `new RunQueue(options)`. */
export interface RunQueueOptions extends QueueLocation {
  /** Tries of a job whose processing threw (the store or Redis down), the first included. Default 5. */
  attempts?: number;
  /** How long finished jobs, and so the results read from them, are kept, in seconds. Default 7 days. */
  keepJobsSeconds?: number;
}

/** A run that has not stopped yet: its job waits for a worker, or a worker is running it. */
export interface QueuedRun {
  readonly runId: string;
  readonly status: "queued" | "running";
}

const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/**
 * The client side of the queue, usable from any process: starts runs
 * (resolving to the run id at once), resolves checkpoints (each enqueues
 * the resume; the job id is the checkpoint's, so enqueuing the same
 * resume twice does nothing the second time) and reads or waits for a
 * run's result. Results are the workers' job results, kept for
 * `keepJobsSeconds`.
 */
export class RunQueue {
  readonly #queue: Queue;
  readonly #connection: ReturnType<typeof connectionOf>;
  /** The same Redis for QueueEvents, whose blocking reads must never give up. */
  readonly #eventsConnection: ReturnType<typeof connectionOf>;
  readonly #names: { queueName: string; prefix: string };
  #events: Promise<QueueEvents> | undefined;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(options: RunQueueOptions) {
    if (!isPlainObject(options)) throw new InvalidOptionsError("options", "new RunQueue needs an options object");
    const where = "new RunQueue";
    this.#names = locationOf(options, where);
    this.#connection = connectionOf(options.connection, where, false);
    this.#eventsConnection = connectionOf(options.connection, where, true);
    const d = QUEUE_BULLMQ_DEFAULTS;
    this.#timeoutMs = checkTimeLimit(where, "commandTimeoutMs", options.commandTimeoutMs ?? d.commandTimeoutMs);
    const attempts = wholeNumber(where, "attempts", options.attempts ?? d.attempts, 1);
    const age = wholeNumber(where, "keepJobsSeconds", options.keepJobsSeconds ?? d.keepJobsSeconds, 1);
    this.#queue = new Queue(this.#names.queueName, {
      connection: this.#connection,
      prefix: this.#names.prefix,
      defaultJobOptions: {
        attempts,
        backoff: { type: "exponential", delay: d.backoffMs },
        removeOnComplete: { age },
        removeOnFail: { age },
      },
    });
    // Without a listener an "error" event would end the process; each call reports its own failure.
    this.#queue.on("error", () => undefined);
    // Each waitForResult in progress listens for the queue closing: many at once are expected, not a leak.
    this.#queue.setMaxListeners(0);
  }

  /** Enqueues a new run and resolves to its id once the job is in Redis; the run starts on a worker. */
  async start(agentId: string, input: string | unknown[], options: QueuedRunOptions = {}): Promise<string> {
    this.#open();
    if (typeof agentId !== "string" || agentId === "")
      throw new InvalidOptionsError("agentId", "start: agentId must be a string");
    if (typeof input !== "string" && !Array.isArray(input))
      throw new InvalidOptionsError("input", "start: input must be a string or a list of messages");
    const { runId = `run_${randomUUID()}`, ...rest } = options;
    if (typeof runId !== "string" || !SAFE_ID.test(runId))
      throw new InvalidOptionsError("runId", 'start: runId must be 1-128 letters, digits, "_", "." or "-"');
    const data: StartJob = { runId, agentId, input, options: rest };
    await coded("start", () => this.#queue.add(START, data, { jobId: startJobId(runId) }), this.#timeoutMs);
    return runId;
  }

  /**
   * Enqueues the resume of the run paused at this checkpoint with the
   * decision; a worker claims the checkpoint and goes on. The first
   * decision enqueued for a checkpoint is the one used.
   */
  async resolveCheckpoint(runId: string, checkpointId: string, decision: CheckpointDecision): Promise<void> {
    this.#open();
    if (typeof runId !== "string" || !SAFE_ID.test(runId))
      throw new InvalidOptionsError("runId", "resolveCheckpoint: runId must be a run id");
    if (typeof checkpointId !== "string" || !SAFE_ID.test(checkpointId))
      throw new InvalidOptionsError("checkpointId", "resolveCheckpoint: checkpointId must be a checkpoint id");
    if (!isPlainObject(decision) || typeof decision.approved !== "boolean")
      throw new InvalidOptionsError("decision", "resolveCheckpoint: decision must be { approved: boolean, … }");
    const data: ResumeJob = { runId, checkpointId, decision };
    await coded(
      "resolveCheckpoint",
      () => this.#queue.add(RESUME, data, { jobId: resumeJobId(checkpointId) }),
      this.#timeoutMs,
    );
  }

  /**
   * Where the run stands now: queued or running, or its result (completed,
   * failed, or paused at a checkpoint nobody has resolved yet); undefined
   * for a run this queue does not know (or whose jobs were removed).
   * `CORTEX_QUEUE_JOB_FAILED` when its job failed on the workers.
   */
  async getResult(runId: string): Promise<RunResult | QueuedRun | undefined> {
    this.#open();
    const found = await this.#latest(runId);
    if (found === undefined) return undefined;
    if (found.failed !== undefined) throw new QueueJobFailedError(runId, found.failed);
    return found.result ?? { runId, status: found.pending! };
  }

  /**
   * Resolves with the run's result once it stops: completed, failed, or
   * paused at a checkpoint (then resolve it, and wait again).
   * `CORTEX_QUEUE_WAIT_TIMEOUT` after `timeoutMs` (default 5 minutes).
   */
  async waitForResult(runId: string, options: { timeoutMs?: number } = {}): Promise<RunResult> {
    this.#open();
    const timeoutMs = checkTimeLimit(
      "waitForResult",
      "timeoutMs",
      options.timeoutMs ?? QUEUE_BULLMQ_DEFAULTS.waitTimeoutMs,
    );
    const due = Date.now() + timeoutMs;
    const events = await this.#queueEvents();
    for (;;) {
      const found = await this.#latest(runId);
      if (found === undefined) throw new InvalidOptionsError("runId", `waitForResult: no run "${runId}" on the queue`);
      if (found.failed !== undefined) throw new QueueJobFailedError(runId, found.failed);
      if (found.result !== undefined) return found.result;
      const left = due - Date.now();
      if (left <= 0) throw new QueueWaitTimeoutError(runId, timeoutMs);
      // A job that ends while this subscribes is seen by waitUntilFinished's own check; a failure is read above.
      await found.job.waitUntilFinished(events, Math.min(left, 2 ** 31 - 1)).catch((error: unknown) => {
        if (Date.now() >= due) throw new QueueWaitTimeoutError(runId, timeoutMs);
        return error;
      });
    }
  }

  /** The run's latest job: the start job, followed through the resume job of each checkpoint it paused at. */
  async #latest(
    runId: string,
  ): Promise<{ job: Job; result?: RunResult; failed?: string; pending?: QueuedRun["status"] } | undefined> {
    let job = await coded("getResult", () => Job.fromId(this.#queue, startJobId(runId)), this.#timeoutMs);
    if (job === undefined) return undefined;
    for (;;) {
      const current: Job = job;
      const state = await coded("getResult", () => current.getState(), this.#timeoutMs);
      if (state === "failed") return { job: current, failed: current.failedReason };
      if (state !== "completed") return { job: current, pending: state === "active" ? "running" : "queued" };
      let result = current.returnvalue as RunResult | null;
      if (result === null || result === undefined) {
        const fresh = await coded("getResult", () => Job.fromId(this.#queue, current.id!), this.#timeoutMs);
        result = (fresh?.returnvalue ?? null) as RunResult | null;
        if (result === null) return { job: current, pending: "running" };
      }
      const checkpoint = result.status === "awaiting_approval" ? result.checkpoint : undefined;
      if (checkpoint === undefined) return { job: current, result };
      const next = await coded("getResult", () => Job.fromId(this.#queue, resumeJobId(checkpoint.id)), this.#timeoutMs);
      if (next === undefined) return { job: current, result };
      job = next;
    }
  }

  #queueEvents(): Promise<QueueEvents> {
    this.#events ??= (async () => {
      const events = new QueueEvents(this.#names.queueName, {
        connection: this.#eventsConnection,
        prefix: this.#names.prefix,
      });
      events.on("error", () => undefined);
      await coded("waitForResult", () => events.waitUntilReady(), this.#timeoutMs);
      return events;
    })();
    return this.#events;
  }

  #open(): void {
    if (this.#closed) throw new QueueClosedError("queue client");
  }

  /** Closes the client's Redis connections; runs already enqueued go on. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const events = await this.#events?.catch(() => undefined);
    await Promise.all([this.#queue.close(), events?.close()]);
  }
}
