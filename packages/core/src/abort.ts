import { RunError } from "./errors.js";

/** The error a run fails with when its signal aborts. */
export function abortError(signal: AbortSignal): RunError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
  return new RunError("CORTEX_RUN_ABORTED", `The run was aborted: ${why}`, { cause: reason });
}

/**
 * Settles like `work`, or rejects with {@link abortError} as soon as `signal`
 * aborts, whichever comes first; a late rejection of `work` is swallowed.
 */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    throw abortError(signal);
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
    work.catch(() => undefined);
    aborted.catch(() => undefined);
  }
}

/** The longest delay `setTimeout` honours (2^31-1 ms, about 24.8 days); longer ones would fire after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `fire` after `ms` milliseconds. `Infinity` sets no timer (undefined
 * is returned); a finite delay beyond {@link MAX_TIMER_MS} is capped there.
 */
export function startTimer(ms: number, fire: () => void): NodeJS.Timeout | undefined {
  if (ms === Infinity) return undefined;
  return setTimeout(fire, Math.min(ms, MAX_TIMER_MS));
}

/** True for a usable deadline: a number above 0, or `Infinity` for none. */
export function isTimeout(value: unknown): value is number {
  return typeof value === "number" && value > 0;
}
