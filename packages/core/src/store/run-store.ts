import type { RunState } from "../run/run-state.js";
import {
  MemoryParallelStore,
  type ParallelStore,
  type ParallelUpdate,
  type ParallelUpdateResult,
} from "./parallel-store.js";
import { toJson } from "../json.js";
import type { Page } from "./pages.js";
import { pendingOf, pendingPage, type ListPendingOptions, type PendingCheckpoint } from "./pending.js";
import { notStorable, rejection } from "./store-files.js";

/**
 * Keeps paused runs. The engine saves a run when it pauses at a checkpoint
 * and claims it back when the checkpoint is resolved; a claim succeeds once,
 * so one checkpoint can never be resolved twice, even by two processes.
 *
 * A store may also keep parallel orchestrations (`createParallel` and
 * `updateParallel`, see `ParallelStore`); then whichever engine resumes the
 * last paused run of one finishes it. Without them, a parallel orchestration
 * can only be finished by the engine that started it.
 *
 * `listPending` is optional too: `engine.listPending` (an approval inbox)
 * needs it, and fails with `CORTEX_STORE_UNSUPPORTED` without it. Expiry
 * needs nothing of a store: a checkpoint carries its own `expiresAt`, and
 * the engine treats a decision after it as a denial.
 */
export interface RunStore extends Partial<ParallelStore> {
  /** Keeps the run (insert or replace). A run saved `awaiting_approval` with a `checkpoint` becomes claimable at it. */
  save(state: RunState): Promise<void>;
  load(runId: string): Promise<RunState | undefined>;
  /** Atomically takes the run paused at this checkpoint; undefined when none is (or it was taken). */
  claim(checkpointId: string): Promise<RunState | undefined>;
  delete(runId: string): Promise<void>;
  /**
   * One page of the checkpoints not claimed yet, oldest first (by the
   * checkpoint's `createdAt`, then its id), filtered by agent, plugin and
   * tier; expired ones are listed too, with their `expiresAt`. A cursor is
   * the position of a page's last item, so a checkpoint that waits the
   * whole time is listed on exactly one page.
   */
  listPending?(options?: ListPendingOptions): Promise<Page<PendingCheckpoint>>;
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

  listPending(options?: ListPendingOptions): Promise<Page<PendingCheckpoint>> {
    try {
      const items: PendingCheckpoint[] = [];
      for (const runId of this.#checkpoints.values()) {
        const json = this.#runs.get(runId);
        const checkpoint = json === undefined ? undefined : (JSON.parse(json) as RunState).checkpoint;
        if (checkpoint !== undefined) items.push(pendingOf(checkpoint));
      }
      return Promise.resolve(pendingPage(items, options));
    } catch (error) {
      return rejection(error);
    }
  }
}
