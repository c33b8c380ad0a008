export { RunQueue } from "./client.js";
export type { QueuedRun, RunQueueOptions } from "./client.js";
export { startWorker } from "./worker.js";
export type { RunWorker, WorkerOptions } from "./worker.js";
export type { QueuedRunOptions } from "./jobs.js";
export type { FencingRunStore } from "./fenced-store.js";
export { QUEUE_BULLMQ_DEFAULTS } from "./options.js";
export type { QueueLocation, RedisConnection } from "./options.js";
export {
  InvalidOptionsError,
  QUEUE_BULLMQ_ERRORS,
  QueueClosedError,
  QueueCommandError,
  QueueConnectionError,
  QueueJobFailedError,
  QueueWaitTimeoutError,
  RunLeaseLostError,
} from "./errors.js";
export type { QueueBullmqErrorCode } from "./errors.js";
