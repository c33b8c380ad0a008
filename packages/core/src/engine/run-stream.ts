import { InvalidOptionsError } from "@cortex/primitives";
import type { RunSink } from "../run/run-events.js";
import type { RunResult } from "../run/run-state.js";
import type { RunStreamEvent } from "../run/stream-events.js";

interface Waiter {
  resolve: (step: IteratorResult<RunStreamEvent>) => void;
  reject: (error: unknown) => void;
}

const noop = (): void => undefined;

/**
 * A run as an async iterable of events (`engine.stream`). Read it once,
 * with `for await`; `break` (or `return()`) ends the run as an abort does
 * and waits for it to end, and `result` resolves with the same result the
 * `finish` event carries.
 *
 * Backpressure: the engine never waits for the reader. While the reader
 * lags, consecutive text deltas of one step are merged into one event, so
 * what is buffered is a few events per step plus text the run keeps anyway;
 * a reader that never reads holds the run up in nothing — it pauses or
 * finishes, and its events wait in the buffer until read or dropped.
 */
export class RunStream<T = unknown> implements AsyncIterable<RunStreamEvent<T>> {
  /** The run's result; rejects, like `engine.run`, when the run cannot start (the iteration then rejects too). */
  readonly result: Promise<RunResult<T>>;
  readonly #settle: { resolve: (result: RunResult<T>) => void; reject: (error: unknown) => void };
  readonly #queue: RunStreamEvent[] = [];
  #head = 0;
  #waiter: Waiter | undefined;
  #ended = false;
  #failure: { error: unknown } | undefined;
  #read = false;
  /** The controller of the run pushing events now (the last of a handoff chain to start). */
  #run: AbortController | undefined;
  /** Why the reader stopped before `finish`; a run that starts afterwards is aborted at once. */
  #stopped: string | undefined;

  constructor() {
    let settle!: { resolve: (result: RunResult<T>) => void; reject: (error: unknown) => void };
    this.result = new Promise<RunResult<T>>((resolve, reject) => (settle = { resolve, reject }));
    this.#settle = settle;
    // A stream nobody reads must not turn a refused start into an unhandled rejection.
    this.result.catch(noop);
  }

  /** Ends the stream as `run` ends: with `finish` and its result, or with the error that kept it from starting. */
  follow(run: Promise<RunResult>): void {
    run.then(
      (result) => {
        this.#end({ type: "finish", result });
        this.#settle.resolve(result as RunResult<T>);
      },
      (error: unknown) => {
        this.#fail(error);
        this.#settle.reject(error);
      },
    );
  }

  /** The sink the run pushes its events to. */
  readonly sink: RunSink = {
    attach: (run) => {
      this.#run = run;
      if (this.#stopped !== undefined) run.abort(this.#stopped);
    },
    push: (event) => {
      if (this.#ended) return;
      const waiter = this.#waiter;
      if (waiter !== undefined) {
        this.#waiter = undefined;
        waiter.resolve({ value: event, done: false });
        return;
      }
      const queue = this.#queue;
      const last = queue.length > this.#head ? queue[queue.length - 1] : undefined;
      if (
        event.type === "text-delta" &&
        last?.type === "text-delta" &&
        last.stepIndex === event.stepIndex &&
        last.runId === event.runId
      ) {
        // Not handed out yet: the reader gets one event with the text of both.
        last.text += event.text;
        return;
      }
      queue.push(event);
    },
  };

  #end(finish: RunStreamEvent): void {
    this.sink.push(finish);
    this.#ended = true;
  }

  #fail(error: unknown): void {
    this.#ended = true;
    this.#failure = { error };
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }

  #next(): Promise<IteratorResult<RunStreamEvent<T>>> {
    const queue = this.#queue;
    if (this.#head < queue.length) {
      const value = queue[this.#head]!;
      this.#head += 1;
      if (this.#head === queue.length) {
        queue.length = 0;
        this.#head = 0;
      }
      return Promise.resolve({ value: value as RunStreamEvent<T>, done: false });
    }
    if (this.#ended) {
      const failure = this.#failure;
      this.#failure = undefined;
      if (failure === undefined) return Promise.resolve({ value: undefined, done: true });
      // What the run rejected with, passed on as it is (as `engine.run` would reject).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(failure.error);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve: resolve as Waiter["resolve"], reject };
    });
  }

  /** Ends the run as an abort does, when the reader stops before `finish`. */
  #stop(): void {
    this.#stopped = "the stream's reader stopped before the end";
    this.#run?.abort(this.#stopped);
  }

  async #return(): Promise<IteratorResult<RunStreamEvent<T>>> {
    if (!this.#ended) this.#stop();
    await this.result.catch(noop);
    this.#queue.length = 0;
    this.#head = 0;
    this.#failure = undefined;
    return { value: undefined, done: true };
  }

  /** The events, once: a second reader is `CORTEX_INVALID_OPTIONS`. */
  [Symbol.asyncIterator](): AsyncIterator<RunStreamEvent<T>> {
    if (this.#read) throw new InvalidOptionsError("stream", "A run stream can be read once");
    this.#read = true;
    return { next: () => this.#next(), return: () => this.#return() };
  }
}

/**
 * A stream over the run `begin` starts with the stream's sink: each run
 * that pushes to it hands the sink its controller, which the stream aborts
 * when the reader stops early (the caller's signal reaches the run as in
 * `engine.run`).
 */
export function streamRun(begin: (sink: RunSink) => Promise<RunResult>): RunStream {
  const stream = new RunStream();
  let run: Promise<RunResult>;
  try {
    run = begin(stream.sink);
  } catch (error) {
    // What the start threw, passed on as it is (as `engine.run` would reject).
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    run = Promise.reject(error);
  }
  stream.follow(run);
  return stream;
}
