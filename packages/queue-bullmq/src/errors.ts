import { CortexError, InvalidOptionsError, messageOf, withDeadline, type ErrorTable } from "@cortex/primitives";

/** Every code `@cortex/queue-bullmq` throws, with the class that carries it. */
export const QUEUE_BULLMQ_ERRORS = {
  CORTEX_QUEUE_CONNECTION_FAILED: "QueueConnectionError",
  CORTEX_QUEUE_COMMAND_FAILED: "QueueCommandError",
  CORTEX_QUEUE_JOB_FAILED: "QueueJobFailedError",
  CORTEX_QUEUE_WAIT_TIMEOUT: "QueueWaitTimeoutError",
  CORTEX_QUEUE_CLOSED: "QueueClosedError",
  CORTEX_QUEUE_LEASE_LOST: "RunLeaseLostError",
  CORTEX_INVALID_OPTIONS: "InvalidOptionsError",
} as const satisfies ErrorTable;

/** A code of {@link QUEUE_BULLMQ_ERRORS}. */
export type QueueBullmqErrorCode = keyof typeof QUEUE_BULLMQ_ERRORS;

export { InvalidOptionsError };

/** Redis could not be reached, refused the login, or the connection was lost while a command waited. */
export class QueueConnectionError extends CortexError<"CORTEX_QUEUE_CONNECTION_FAILED"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_QUEUE_CONNECTION_FAILED", message, options);
  }
}

/** Redis or BullMQ refused a command (out of memory under `noeviction`, a read-only replica, a script error). */
export class QueueCommandError extends CortexError<"CORTEX_QUEUE_COMMAND_FAILED"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_QUEUE_COMMAND_FAILED", message, options);
  }
}

/** A run's job failed on the workers after all its attempts (the store or the engine could not be used). */
export class QueueJobFailedError extends CortexError<"CORTEX_QUEUE_JOB_FAILED"> {
  constructor(
    /** The run whose job failed, and BullMQ's reason. */
    readonly runId: string,
    readonly reason: string,
  ) {
    super("CORTEX_QUEUE_JOB_FAILED", `The queue job of run "${runId}" failed on the workers: ${reason}`);
  }
}

/** `waitForResult` ran out of time before the run stopped (it goes on; wait again or fetch it later). */
export class QueueWaitTimeoutError extends CortexError<"CORTEX_QUEUE_WAIT_TIMEOUT"> {
  constructor(
    readonly runId: string,
    readonly timeoutMs: number,
  ) {
    super("CORTEX_QUEUE_WAIT_TIMEOUT", `Run "${runId}" did not stop within ${timeoutMs} ms; it goes on`);
  }
}

/** The queue client or worker was used after `close()`. */
export class QueueClosedError extends CortexError<"CORTEX_QUEUE_CLOSED"> {
  constructor(what: string) {
    super("CORTEX_QUEUE_CLOSED", `The ${what} is closed`);
  }
}

/**
 * A job lost its run's lease (its event loop stalled past the lease, and
 * another job took the run) or the store fenced it off: the job stops
 * driving the run, which the newer job owns. The abort reason of the run
 * the job drove; its saves are refused with it from then on.
 */
export class RunLeaseLostError extends CortexError<"CORTEX_QUEUE_LEASE_LOST"> {
  constructor(
    readonly runId: string,
    why: string,
    options?: { cause?: unknown },
  ) {
    super("CORTEX_QUEUE_LEASE_LOST", `The job driving run "${runId}" stopped: ${why}`, options);
  }
}

const CONNECTION =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection is closed|connect ETIMEDOUT|NOAUTH|WRONGPASS|max retries per request|Stream isn't writeable/i;

/** A Redis or BullMQ failure as a coded error; a Cortex error passes through. `what` names the operation. */
export function queueErrorOf(error: unknown, what: string): CortexError {
  if (error instanceof CortexError) return error as CortexError<string>;
  const message = `${what} failed: ${messageOf(error)}`;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (CONNECTION.test(messageOf(error)) || (typeof code === "string" && CONNECTION.test(code)))
    return new QueueConnectionError(message, { cause: error });
  return new QueueCommandError(message, { cause: error });
}

/**
 * Runs `work`, turning what it throws into a coded error; past `timeoutMs`
 * (Redis unreachable: ioredis waits for it without end) it rejects with
 * `CORTEX_QUEUE_CONNECTION_FAILED`.
 */
export async function coded<T>(what: string, work: () => Promise<T>, timeoutMs = Infinity): Promise<T> {
  try {
    return await withDeadline(work(), {
      timeoutMs,
      timeoutError: (ms) => new QueueConnectionError(`${what} failed: Redis did not answer within ${ms} ms`),
    });
  } catch (error) {
    throw queueErrorOf(error, what);
  }
}
