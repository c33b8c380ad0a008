import { TimeoutError } from "./errors.js";
import { abortErrorFor, MAX_TIMER_MS, onAbort, withDeadline, type DeadlineOptions } from "./deadline.js";

/** The race a {@link DeadlineSeries} is running: how it is lost. */
interface Race {
  readonly lose: (error: unknown) => void;
}

/**
 * The deadline of a series of calls made one after another under one
 * signal and one time limit, such as a run's model calls: each
 * {@link DeadlineSeries.race} settles like its work, or rejects when
 * `timeoutMs` has passed since that race began or `signal` aborts, like
 * {@link withDeadline}. The series holds one timer, restarted by each race
 * (`Timeout.refresh`), and one abort listener, for its whole life, rather
 * than a timer and a listener set up and torn down per call: Node rebuilds
 * its list of timers of one duration each time the last of them is cleared.
 * A race that begins while another is running gets a deadline of its own
 * ({@link withDeadline}). `close()` clears the timer and the listener; a
 * series left open lets its timer run out once, doing nothing, and keeps
 * its listener until the signal aborts.
 */
export class DeadlineSeries {
  readonly #options: DeadlineOptions;
  readonly #timeoutMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopListening: (() => void) | undefined;
  #current: Race | undefined;
  #closed = false;

  constructor(options: DeadlineOptions = {}) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? Infinity;
  }

  /** Settles like `work`, or rejects at this race's deadline or on abort, whichever comes first. */
  race<T>(work: PromiseLike<T>): Promise<T> {
    const options = this.#options;
    // A second race at once, a closed series, a limit one timer cannot hold, or a signal aborted already
    // (rejected at once, the work's late rejection handled): `withDeadline` does it.
    if (this.#current !== undefined || this.#closed || this.#timeoutMs > MAX_TIMER_MS || options.signal?.aborted) {
      return withDeadline(work, options);
    }
    return new Promise<T>((resolve, reject) => {
      const race: Race = {
        lose: (error) => {
          if (this.#current !== race) return;
          this.#current = undefined;
          // The caller chooses what to reject with (its own error classes), so it is not always an Error.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      };
      this.#current = race;
      this.#arm();
      Promise.resolve(work).then(
        (value) => {
          if (this.#current !== race) return;
          this.#current = undefined;
          resolve(value);
        },
        (error: unknown) => race.lose(error),
      );
    });
  }

  /** Clears the timer and the abort listener; call it once no race runs (one still running then settles only like its work). Later races get a deadline of their own. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopListening?.();
    this.#stopListening = undefined;
  }

  /** Starts this race's time: the one timer is made at the first race and restarted at every later one. */
  #arm(): void {
    const options = this.#options;
    const { signal } = options;
    if (signal !== undefined && this.#stopListening === undefined) {
      this.#stopListening = onAbort(signal, () => this.#current?.lose(abortErrorFor(options, signal.reason)));
    }
    if (this.#timeoutMs === Infinity) return;
    if (this.#timer !== undefined) {
      this.#timer.refresh();
      return;
    }
    const timeoutMs = this.#timeoutMs;
    // Restarted at the start of every race, and races run one at a time: when it fires, the running race is due.
    this.#timer = setTimeout(() => {
      this.#current?.lose(options.timeoutError ? options.timeoutError(timeoutMs) : new TimeoutError(timeoutMs));
    }, timeoutMs);
    if (options.unref) this.#timer.unref();
  }
}
