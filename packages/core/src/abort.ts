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
