import { RunError } from "../errors.js";
import type { RunStore } from "../store/run-store.js";
import type { RunState } from "./run-state.js";

/**
 * A run store that keeps every run's progress, not only paused runs: with
 * one, the engine saves a run once its step's model call has answered
 * (before the step's tool calls run), and again when the run ends, and
 * keeps ended runs instead of deleting them. A crash then loses at most the
 * step in flight, and `engine.continueRun` goes on from the last save.
 */
export interface DurableRunStore extends RunStore {
  readonly durable: true;
}

/** Whether the store asks for every run's progress (`durable: true`). */
export function isDurable(store: RunStore): store is DurableRunStore {
  return (store as { durable?: unknown }).durable === true;
}

/** Saves a running run whose step is about to run tool calls into a durable store. */
export async function saveProgress(store: DurableRunStore, state: RunState): Promise<void> {
  if (state.pending.length === 0 || state.status !== "running") return;
  try {
    await store.save(state);
  } catch (error) {
    throw new RunError("CORTEX_RUN_STORE_FAILED", "The run's progress could not be saved to the run store", {
      cause: error,
    });
  }
}

/** Keeps an ended run in a durable store, or removes a resumed one from any other (it was saved when it paused). */
export function keepEnded(store: RunStore, state: RunState): Promise<void> {
  return isDurable(store) ? store.save(state) : store.delete(state.runId);
}
