import type { RunState } from "../run/run-state.js";
import {
  MemoryParallelStore,
  type ParallelStore,
  type ParallelUpdate,
  type ParallelUpdateResult,
} from "./parallel-store.js";
import { toJson } from "../json.js";
import { notStorable } from "./store-files.js";

/**
 * Keeps paused runs. The engine saves a run when it pauses at a checkpoint
 * and claims it back when the checkpoint is resolved; a claim succeeds once,
 * so one checkpoint can never be resolved twice, even by two processes.
 *
 * A store may also keep parallel orchestrations (`createParallel` and
 * `updateParallel`, see `ParallelStore`); then whichever engine resumes the
 * last paused run of one finishes it. Without them, a parallel orchestration
 * can only be finished by the engine that started it.
 */
export interface RunStore extends Partial<ParallelStore> {
  save(state: RunState): Promise<void>;
  load(runId: string): Promise<RunState | undefined>;
  /** Atomically takes the run paused at this checkpoint; undefined when none is (or it was taken). */
  claim(checkpointId: string): Promise<RunState | undefined>;
  delete(runId: string): Promise<void>;
}

/** The default store: paused runs (and parallel orchestrations) live in this process's memory, as JSON. */
export class MemoryRunStore implements RunStore, ParallelStore {
  readonly #runs = new Map<string, string>();
  readonly #checkpoints = new Map<string, string>();
  readonly #parallel = new MemoryParallelStore();

  createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    return this.#parallel.createParallel(id, agents, startedAt);
  }

  updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined> {
    return this.#parallel.updateParallel(id, slot, update);
  }

  save(state: RunState): Promise<void> {
    const json = toJson(state);
    if (json === undefined) return Promise.reject(notStorable("The run state"));
    this.#runs.set(state.runId, json);
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
