import { onAbort, withDeadline } from "@cortex/primitives";
import { EngineShutDownError } from "../errors.js";

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
   * Runs `body` as a tracked run with its own controller, which aborts when
   * the caller's `signal` aborts or the engine halts at the shutdown
   * deadline, even if that happened before the run started. However many
   * runs share one caller's signal, it holds one listener of the engine's,
   * released when the last of them settles.
   */
  run<T>(signal: AbortSignal | undefined, body: (run: AbortController) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let release = ignore;
    if (this.#halt.signal.aborted) controller.abort(this.#halt.signal.reason);
    else if (signal !== undefined) release = onAbort(signal, () => controller.abort(signal.reason));
    // Tracked before the body starts: a shutdown the body itself begins (say, from a model call) waits for it.
    let ended = ignore;
    const entry: TrackedRun = { controller, done: new Promise<void>((resolve) => (ended = resolve)) };
    this.#runs.add(entry);
    void entry.done.then(() => {
      this.#runs.delete(entry);
      release();
    });
    let work: Promise<T>;
    try {
      work = body(controller);
    } catch (error) {
      ended();
      throw error;
    }
    work.then(ended, ended);
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
    try {
      await withDeadline(all(), { timeoutMs });
      return 0;
    } catch {
      // The deadline passed: what is still going is aborted.
    }
    const reason = new EngineShutDownError();
    this.#halt.abort(reason);
    let aborted = 0;
    for (const run of this.#runs) {
      aborted += 1;
      run.controller.abort(reason);
    }
    await all();
    return aborted;
  }
}
