import { randomUUID } from "node:crypto";
import {
  createEngine,
  isDurable,
  type CallJournal,
  type DurableRunStore,
  type Engine,
  type EngineOptions,
} from "@cortex/core";
import {
  checkTimeLimit,
  consoleLogger,
  guardedLogger,
  InvalidOptionsError,
  isPlainObject,
  type Logger,
} from "@cortex/primitives";
import { DelayedError, Worker, type Job } from "bullmq";
import { coded, queueErrorOf, RunLeaseLostError } from "./errors.js";
import { FencedRunStore } from "./fenced-store.js";
import { connectionOf, locationOf, QUEUE_BULLMQ_DEFAULTS, wholeNumber, type QueueLocation } from "./options.js";
import { RunLeases } from "./lease.js";
import { processJob } from "./processor.js";
import { RESUME, type ResumeJob } from "./jobs.js";

/** Options of `startWorker`. */
export interface WorkerOptions extends QueueLocation {
  /** The engine's options (model, plugins, agents, extensions…); the worker adds `runStore` and `callJournal`. */
  engine: Omit<EngineOptions, "runStore" | "callJournal">;
  /** A durable run store shared by every worker (`PostgresRunStore`): runs are rows there, not busy workers. */
  runStore: DurableRunStore;
  /** The call journal shared by every worker; default the store's own `callJournal` (`PostgresRunStore` has one). */
  callJournal?: CallJournal;
  /** Jobs this process runs at once. Default 8. */
  concurrency?: number;
  /** How long a job's lock lasts without renewal; a worker silent this long is taken for dead. Default 30 000 ms. */
  lockDurationMs?: number;
  /** How often stalled jobs (whose worker died) are looked for and queued again. Default 15 000 ms. */
  stalledIntervalMs?: number;
  /** Times a job may be taken back from a dead worker before it fails. Default 10. */
  maxStalledCount?: number;
  logger?: Logger;
}

/** A running worker: its engine, and how to stop it. */
export interface RunWorker {
  /** The engine the worker runs jobs on. */
  readonly engine: Engine;
  /** Stops taking jobs, lets the jobs in hand finish, then shuts the engine down. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a worker of the queue in this process: it takes start and resume
 * jobs (up to `concurrency` at once) and runs them on an engine built from
 * `engine` with the shared durable store and call journal. A paused run
 * holds no job: its start job ends at the pause, and its resume is a new
 * job. A job whose worker dies is taken by another worker once its lock
 * expires, and goes on from the run's last save.
 */
export async function startWorker(options: WorkerOptions): Promise<RunWorker> {
  const where = "startWorker";
  if (!isPlainObject(options)) throw new InvalidOptionsError("options", `${where} needs an options object`);
  const { queueName, prefix } = locationOf(options, where);
  const connection = connectionOf(options.connection, where, true);
  const store = options.runStore;
  if (store === undefined || !isDurable(store))
    throw new InvalidOptionsError("runStore", `${where}: runStore must be a durable run store (PostgresRunStore)`);
  const callJournal = options.callJournal ?? (store as { callJournal?: CallJournal }).callJournal;
  if (callJournal === undefined)
    throw new InvalidOptionsError("callJournal", `${where}: give a callJournal (the store has none)`);
  const d = QUEUE_BULLMQ_DEFAULTS;
  const concurrency = wholeNumber(where, "concurrency", options.concurrency ?? d.concurrency, 1);
  const lockDuration = wholeNumber(where, "lockDurationMs", options.lockDurationMs ?? d.lockDurationMs, 100);
  const stalledInterval = wholeNumber(
    where,
    "stalledIntervalMs",
    options.stalledIntervalMs ?? d.stalledIntervalMs,
    100,
  );
  const maxStalledCount = wholeNumber(where, "maxStalledCount", options.maxStalledCount ?? d.maxStalledCount, 0);
  const logger = guardedLogger(options.logger ?? options.engine?.logger ?? consoleLogger);
  const fenced = new FencedRunStore(store);
  const engine = createEngine({ ...options.engine, runStore: fenced, callJournal });
  const drive = async (job: Job, token: string | undefined) => {
    const checkpointId = job.name === RESUME ? (job.data as ResumeJob).checkpointId : undefined;
    try {
      return await leases.hold((job.data as { runId: string }).runId, token ?? randomUUID(), async (lease) => {
        const leave = await fenced.enter(lease, checkpointId);
        try {
          return await processJob(job, engine, fenced, lease.signal);
        } finally {
          leave();
        }
      });
    } catch (error) {
      if (!(error instanceof RunLeaseLostError)) throw error;
      // The run is the newer job's now. This attempt ends without a result and without counting as a failure:
      // the job waits a moment and, taken again, reports (or goes on with) the run as the newer job left it.
      // When BullMQ already gave the job to another worker, moving it is refused and that worker has it.
      if (token !== undefined) await job.moveToDelayed(Date.now() + d.backoffMs, token).catch(() => undefined);
      throw new DelayedError(error.message);
    }
  };
  const worker: Worker = new Worker(queueName, drive, {
    connection,
    prefix,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    autorun: false,
  });
  // Twice the job lock: a worker whose event loop stalls loses its job before its run.
  const leases = new RunLeases(worker.client, `${prefix}:${queueName}:lease:`, lockDuration * 2, logger);
  worker.on("error", (error) => logger.warn("queue worker error", { error: queueErrorOf(error, "worker") }));
  worker.on("failed", (job, error) =>
    logger.warn("a queue job failed", { jobId: job?.id, attempts: job?.attemptsMade, error: error.message }),
  );
  try {
    const timeoutMs = checkTimeLimit(where, "commandTimeoutMs", options.commandTimeoutMs ?? d.commandTimeoutMs);
    await coded("startWorker", () => worker.waitUntilReady(), timeoutMs);
  } catch (error) {
    await worker.close(true).catch(() => undefined);
    await engine.shutdown({ timeoutMs: 0 });
    throw error;
  }
  void worker.run().catch((error: unknown) => logger.error("queue worker stopped", { error }));
  let closing: Promise<void> | undefined;
  return {
    engine,
    close() {
      closing ??= (async () => {
        await worker.close();
        await engine.shutdown();
      })();
      return closing;
    },
  };
}
