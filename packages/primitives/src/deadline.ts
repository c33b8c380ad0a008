import { AbortedError, InvalidOptionsError, TimeoutError } from "./errors.js";

/**
 * The longest delay one `setTimeout` honours (2^31 - 1 ms, about 24.8
 * days); Node runs a longer one after 1 ms. Cortex's one rule for longer
 * delays: they are honoured in full, by re-arming the timer until the
 * time has come (see {@link startTimer}).
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** True for a usable time limit: a number above 0, or `Infinity` for none. NaN, 0, negatives and non-numbers are not. */
export function isTimeLimit(value: unknown): value is number {
  return typeof value === "number" && value > 0;
}

/**
 * `value` when it is a usable time limit (see {@link isTimeLimit}), else a
 * `CORTEX_INVALID_OPTIONS` error naming `option` and what `where` got.
 */
export function checkTimeLimit(where: string, option: string, value: unknown): number {
  if (isTimeLimit(value)) return value;
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  throw new InvalidOptionsError(
    option,
    `${where}: ${option} must be a number of milliseconds > 0, or Infinity for no limit; got ${shown}`,
  );
}

/** Options of {@link startTimer}. */
export interface TimerOptions {
  /** Let the process exit while only this timer is pending. Default false. */
  unref?: boolean;
}

/**
 * Calls `fire` once, `ms` milliseconds from now, and returns a function that
 * cancels it. `Infinity` sets no timer. A delay past {@link MAX_TIMER_MS}
 * re-arms until the time has come, so even a 30-day limit is honoured.
 */
export function startTimer(ms: number, fire: () => void, options: TimerOptions = {}): () => void {
  if (ms === Infinity) return noop;
  let timer: ReturnType<typeof setTimeout>;
  if (ms <= MAX_TIMER_MS) {
    timer = setTimeout(fire, ms);
    if (options.unref) timer.unref();
    return () => clearTimeout(timer);
  }
  const due = Date.now() + ms;
  const arm = (): void => {
    const left = due - Date.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fire, Math.max(0, left));
    if (options.unref) timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

function noop(): void {
  // Nothing to cancel.
}

interface Fan {
  readonly listeners: Set<() => void>;
  readonly handler: () => void;
}

const fans = new WeakMap<AbortSignal, Fan>();

/**
 * Calls `listener` once when `signal` aborts (at once, synchronously, when
 * it is aborted already) and returns a function that removes it. However
 * many calls wait on one long-lived signal, the signal holds one listener
 * of Cortex's, removed as soon as the last waiter leaves: no
 * `MaxListenersExceededWarning`, and nothing kept after a call settles.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return noop;
  }
  let fan = fans.get(signal);
  if (fan === undefined) {
    const listeners = new Set<() => void>();
    const handler = (): void => {
      fans.delete(signal);
      for (const each of listeners) {
        try {
          each();
        } catch (error) {
          // Reported like an error thrown by an event listener, without stopping the others.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
      listeners.clear();
    };
    fan = { listeners, handler };
    fans.set(signal, fan);
    signal.addEventListener("abort", handler, { once: true });
  }
  const { listeners, handler } = fan;
  // A wrapper, so the same function added twice is two waiters.
  const entry = (): void => listener();
  listeners.add(entry);
  return () => {
    if (!listeners.delete(entry) || listeners.size > 0) return;
    signal.removeEventListener("abort", handler);
    fans.delete(signal);
  };
}

/** Options of {@link withDeadline}. */
export interface DeadlineOptions {
  /** Milliseconds the work may take; `Infinity` or leaving it out sets no limit. */
  timeoutMs?: number;
  /** The caller's signal: when it aborts, the deadline rejects at once. */
  signal?: AbortSignal;
  /** The error to reject with when the time is up. Default: a `TimeoutError` (`CORTEX_TIMEOUT`). */
  timeoutError?: (timeoutMs: number) => unknown;
  /** The error to reject with when `signal` aborts. Default: an `AbortedError` (`CORTEX_ABORTED`) caused by the reason. */
  abortError?: (reason: unknown) => unknown;
  /** Let the process exit while only this deadline's timer is pending. Default false. */
  unref?: boolean;
}

/** A signal that never aborts, handed to work that has neither a deadline nor a caller's signal. */
const NEVER: AbortSignal = new AbortController().signal;

/**
 * Settles like `work`, or rejects when `timeoutMs` passes or `signal`
 * aborts, whichever comes first. One timer, cleared when the race is
 * decided; one abort listener (see {@link onAbort}), removed then too. A
 * late rejection of `work` is handled, never unhandled.
 *
 * When `work` is a function it is called with a signal that aborts when
 * the deadline passes or the caller's signal aborts, so the work can stop
 * (a fresh controller is made only when there is a time limit; otherwise
 * the caller's own signal is handed on). A synchronous throw rejects.
 */
export function withDeadline<T>(
  work: PromiseLike<T> | ((signal: AbortSignal) => PromiseLike<T> | T),
  options: DeadlineOptions = {},
): Promise<T> {
  const { timeoutMs = Infinity, signal } = options;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let cancelTimer = noop;
    let stopListening = noop;
    let controller: AbortController | undefined;
    const lose = (error: unknown): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      stopListening();
      controller?.abort(error);
      // The caller chooses what to reject with (its own error classes), so it is not always an Error.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(error);
    };
    if (signal?.aborted) {
      if (typeof work !== "function") Promise.resolve(work).then(noop, noop);
      lose(abortErrorFor(options, signal.reason));
      return;
    }
    if (timeoutMs !== Infinity) {
      cancelTimer = startTimer(
        timeoutMs,
        () => lose(options.timeoutError ? options.timeoutError(timeoutMs) : new TimeoutError(timeoutMs)),
        options,
      );
    }
    if (signal !== undefined) stopListening = onAbort(signal, () => lose(abortErrorFor(options, signal.reason)));
    let running: PromiseLike<T> | T;
    try {
      if (typeof work === "function") {
        let workSignal = signal ?? NEVER;
        if (timeoutMs !== Infinity) workSignal = (controller = new AbortController()).signal;
        running = work(workSignal);
      } else {
        running = work;
      }
    } catch (error) {
      lose(error);
      return;
    }
    Promise.resolve(running).then(
      (value) => {
        if (settled) return;
        settled = true;
        cancelTimer();
        stopListening();
        resolve(value);
      },
      (error: unknown) => lose(error),
    );
  });
}

/** The error a deadline rejects with when `signal` aborts: the caller's, or an `AbortedError`. */
export function abortErrorFor(options: DeadlineOptions, reason: unknown): unknown {
  return options.abortError ? options.abortError(reason) : new AbortedError(reason);
}

/** Resolves after `ms` milliseconds, or rejects like {@link withDeadline} when `signal` aborts first. */
export function delay(
  ms: number,
  options: Pick<DeadlineOptions, "signal" | "abortError" | "unref"> = {},
): Promise<void> {
  let cancel = noop;
  const waited = new Promise<void>((resolve) => {
    cancel = startTimer(ms, resolve, options);
  });
  if (options.signal === undefined) return waited;
  return withDeadline(waited, { signal: options.signal, abortError: options.abortError }).finally(() => cancel());
}
