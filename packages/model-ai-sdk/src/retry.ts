import { ModelHttpError, ModelTimeoutError, delay, withDeadline, type ModelError } from "@cortex/primitives";
import { toModelError, type ErrorContext } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

/** How attempts are retried; taken from the model's options. */
export type RetryPolicy = Pick<ResolvedOptions, "maxRetries" | "initialRetryDelayMs" | "maxRetryDelayMs" | "timeoutMs">;

/**
 * Runs `attempt` until it succeeds, a failure is not retryable, the
 * retries are used up, or the request's signal aborts. Each attempt gets
 * a signal that aborts on the caller's abort and at the attempt's time
 * limit. Between attempts it waits as long as the server asked
 * (`retry-after`), else an exponential backoff capped at `maxRetryDelayMs`;
 * a server asking for more than that gets its error thrown at once. Every failure
 * leaves as a coded model error.
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal) => PromiseLike<T>,
  policy: RetryPolicy,
  context: ErrorContext,
): Promise<T> {
  const { signal } = context;
  const abortError = (reason: unknown): ModelError => toModelError(reason, context);
  for (let retry = 0; ; retry++) {
    let failure: ModelError;
    try {
      return await withDeadline(attempt, {
        timeoutMs: policy.timeoutMs,
        signal,
        abortError,
        timeoutError: (ms) => new ModelTimeoutError(ms, `${context.where} did not answer within ${ms} ms`),
      });
    } catch (error) {
      failure = toModelError(error, context);
    }
    if (!failure.retryable || retry >= policy.maxRetries) throw failure;
    const asked = failure instanceof ModelHttpError ? failure.retryAfterMs : undefined;
    if (asked !== undefined && asked > policy.maxRetryDelayMs) throw failure;
    const wait = asked ?? Math.min(policy.initialRetryDelayMs * 2 ** retry, policy.maxRetryDelayMs);
    await delay(wait, { signal, abortError });
  }
}
