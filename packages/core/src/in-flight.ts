import { startTimer } from "./abort.js";
import { EngineShutDownError } from "./errors.js";

interface TrackedRun {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const ignore = (): void => undefined;

/**
 * The work an engine has in flight, which shutdown settles: runs (each with
 * its own abort controller) and the work around them — orchestrations and
 * checkpoint resolutions with their continuations. Every run or follow-on
 * that may start while shutdown waits (a handoff, an orchestration's next
 * agent, a resumed run) is enclosed in a tracked promise, so waiting for
 * what is tracked when shutdown begins waits for all of it.
 */
export class InFlight {
  readonly #runs = new Set<TrackedRun>();
  readonly #work = new Set<Promise<void>>();
  readonly #halt = new AbortController();

  /** Aborted at shutdown's deadline. Every run's signal follows it, also runs that start later. */
  get halted(): AbortSignal {
    return this.#halt.signal;
  }

  /** Tracks work shutdown waits for (until its deadline); returns `work` unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(ignore, ignore);
    this.#work.add(settled);
    void settled.finally(() => this.#work.delete(settled));
    return work;
  }

  /**
   * Runs `body` as a tracked run. The signal it gets aborts when the caller's
   * `signal` aborts or when the engine halts at the shutdown deadline, even
   * if that happened before the run started.
   */
  run<T>(signal: AbortSignal | undefined, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const forward = () => controller.abort(signal?.reason);
    if (this.#halt.signal.aborted) controller.abort(this.#halt.signal.reason);
    else if (signal?.aborted) forward();
    else signal?.addEventListener("abort", forward, { once: true });
    let work: Promise<T>;
    try {
      work = body(controller.signal);
    } catch (error) {
      signal?.removeEventListener("abort", forward);
      throw error;
    }
    const entry: TrackedRun = { controller, done: work.then(ignore, ignore) };
    this.#runs.add(entry);
    void entry.done.finally(() => {
      this.#runs.delete(entry);
      signal?.removeEventListener("abort", forward);
    });
    return work;
  }

  /**
   * Waits for everything in flight until `timeoutMs` (`Infinity`: no
   * deadline). At the deadline, halts: aborts every run, and every run that
   * starts later, then waits for all of it to settle. Resolves with the
   * number of runs aborted at the deadline.
   */
  async settle(timeoutMs: number): Promise<number> {
    const all = () => Promise.allSettled([...this.#work, ...[...this.#runs].map((r) => r.done)]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => (timer = startTimer(timeoutMs, () => resolve("deadline"))));
    let aborted = 0;
    try {
      if ((await Promise.race([all(), deadline])) === "deadline") {
        const reason = new EngineShutDownError();
        this.#halt.abort(reason);
        for (const run of this.#runs) {
          aborted += 1;
          run.controller.abort(reason);
        }
        await all();
      }
    } finally {
      clearTimeout(timer);
    }
    return aborted;
  }
}
