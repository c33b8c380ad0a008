/** Why a wait before a plugin call ended early: the caller aborted, or the registry shut down. */
export class WaitStopped {
  constructor(readonly reason: "aborted" | "closed") {}
}

/**
 * Settles like `work`, or rejects with {@link WaitStopped} as soon as the
 * caller's signal aborts or the registry starts shutting down, whichever
 * comes first. `work` goes on (its rejection is still handled); only the
 * wait ends. Used for the approval and the lazy setup a call waits for.
 */
export function untilStopped<T>(
  work: PromiseLike<T>,
  caller: AbortSignal | undefined,
  closing: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => stop("aborted");
    const onClose = () => stop("closed");
    const cleanup = () => {
      caller?.removeEventListener("abort", onAbort);
      closing.removeEventListener("abort", onClose);
    };
    const stop = (reason: WaitStopped["reason"]) => {
      cleanup();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a marker the registry turns into its own result
      reject(new WaitStopped(reason));
    };
    work.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as it came
        reject(error);
      },
    );
    if (caller?.aborted) return stop("aborted");
    if (closing.aborted) return stop("closed");
    caller?.addEventListener("abort", onAbort, { once: true });
    closing.addEventListener("abort", onClose, { once: true });
  });
}
