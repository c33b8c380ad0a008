import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import {
  FileParallelBook,
  MemoryParallelBook,
  type ParallelBook,
  type ParallelUpdate,
  type ParallelUpdateResult,
} from "./parallel-book.js";
import type { RunState } from "./run-state.js";
import { checkId, isSafeId, readIfExists, writeAtomic } from "./store-files.js";

/**
 * Keeps paused runs. The engine saves a run when it pauses at a checkpoint
 * and claims it back when the checkpoint is resolved; a claim succeeds once,
 * so one checkpoint can never be resolved twice, even by two processes.
 *
 * A store may also keep parallel orchestrations (`createParallel` and
 * `updateParallel`, see `ParallelBook`); then whichever engine resumes the
 * last paused run of one finishes it. Without them, a parallel orchestration
 * can only be finished by the engine that started it.
 */
export interface RunStore extends Partial<ParallelBook> {
  save(state: RunState): Promise<void>;
  load(runId: string): Promise<RunState | undefined>;
  /** Atomically takes the run paused at this checkpoint; undefined when none is (or it was taken). */
  claim(checkpointId: string): Promise<RunState | undefined>;
  delete(runId: string): Promise<void>;
}

/** The default store: paused runs (and parallel orchestrations) live in this process's memory, as JSON. */
export class MemoryRunStore implements RunStore, ParallelBook {
  readonly #runs = new Map<string, string>();
  readonly #checkpoints = new Map<string, string>();
  readonly #parallel = new MemoryParallelBook();

  createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    return this.#parallel.createParallel(id, agents, startedAt);
  }

  updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined> {
    return this.#parallel.updateParallel(id, slot, update);
  }

  save(state: RunState): Promise<void> {
    this.#runs.set(state.runId, JSON.stringify(state));
    if (state.checkpoint && state.status === "awaiting_approval")
      this.#checkpoints.set(state.checkpoint.id, state.runId);
    return Promise.resolve();
  }

  load(runId: string): Promise<RunState | undefined> {
    const json = this.#runs.get(runId);
    return Promise.resolve(json === undefined ? undefined : (JSON.parse(json) as RunState));
  }

  claim(checkpointId: string): Promise<RunState | undefined> {
    const runId = this.#checkpoints.get(checkpointId);
    if (runId === undefined) return Promise.resolve(undefined);
    this.#checkpoints.delete(checkpointId);
    return this.load(runId);
  }

  delete(runId: string): Promise<void> {
    this.#runs.delete(runId);
    return Promise.resolve();
  }
}

/**
 * Paused runs as JSON files in a folder, written atomically (temp file and
 * rename), so a run paused by one process can be resumed by another.
 * Layout: `<dir>/runs/<runId>.json` and `<dir>/checkpoints/<checkpointId>`
 * (holding the run id); a claim renames the checkpoint file away, which the
 * file system lets only one claimant do. Parallel orchestrations live in
 * `<dir>/parallel/<orchestrationId>/` (see `FileParallelBook`).
 */
export class JsonFileRunStore implements RunStore, ParallelBook {
  readonly #runs: string;
  readonly #checkpoints: string;
  readonly #parallel: FileParallelBook;
  #ready: Promise<unknown> | undefined;

  constructor(readonly directory: string) {
    this.#runs = join(directory, "runs");
    this.#checkpoints = join(directory, "checkpoints");
    this.#parallel = new FileParallelBook(join(directory, "parallel"));
  }

  createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    return this.#parallel.createParallel(id, agents, startedAt);
  }

  updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined> {
    return this.#parallel.updateParallel(id, slot, update);
  }

  #init(): Promise<unknown> {
    this.#ready ??= Promise.all([
      mkdir(this.#runs, { recursive: true }),
      mkdir(this.#checkpoints, { recursive: true }),
    ]);
    return this.#ready;
  }

  async save(state: RunState): Promise<void> {
    await this.#init();
    await writeAtomic(join(this.#runs, `${checkId(state.runId)}.json`), JSON.stringify(state));
    if (state.checkpoint && state.status === "awaiting_approval") {
      await writeAtomic(join(this.#checkpoints, checkId(state.checkpoint.id)), state.runId);
    }
  }

  /** The run, or undefined: also for an id that cannot be a file name, since no run has it. */
  async load(runId: string): Promise<RunState | undefined> {
    if (!isSafeId(runId)) return undefined;
    const text = await readIfExists(join(this.#runs, `${runId}.json`));
    return text === undefined ? undefined : (JSON.parse(text) as RunState);
  }

  /** Takes the run paused at this checkpoint, or undefined: also for an id that cannot be a file name. */
  async claim(checkpointId: string): Promise<RunState | undefined> {
    if (!isSafeId(checkpointId)) return undefined;
    await this.#init();
    const file = join(this.#checkpoints, checkpointId);
    const claimed = `${file}.${randomUUID()}.claimed`;
    try {
      await rename(file, claimed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    const runId = (await readFile(claimed, "utf8")).trim();
    await rm(claimed, { force: true });
    return this.load(runId);
  }

  async delete(runId: string): Promise<void> {
    if (!isSafeId(runId)) return; // no run has such an id
    await rm(join(this.#runs, `${runId}.json`), { force: true });
  }
}
