import { InvalidOptionsError } from "@cortex/primitives";
import type { Checkpoint, RunSummary } from "../run/run-state.js";

/**
 * A parallel orchestration some of whose runs are still going or paused.
 * Slots are the positions in `agents`; each ends once, with a summary.
 */
export interface ParallelRecord {
  id: string;
  agents: string[];
  /** Epoch milliseconds when the orchestration started. */
  startedAt: number;
  /** The final summary of every slot that has ended, in slot order. */
  done: { slot: number; summary: RunSummary }[];
  /** The checkpoint of every slot that is paused and has not ended, in slot order. */
  paused: { slot: number; checkpoint: Checkpoint }[];
}

/** What happened to one slot: its run ended, or it paused at a checkpoint. */
export type ParallelUpdate = { done: RunSummary } | { paused: Checkpoint };

/** The record after an update; `complete` is true for exactly one update: the one that ended the last slot. */
export interface ParallelUpdateResult {
  record: ParallelRecord;
  complete: boolean;
}

/**
 * Where parallel orchestrations are kept while they wait, so that whichever
 * engine resumes their last paused run can finish them. A `RunStore` may
 * implement it; the engine keeps its own in memory otherwise.
 */
export interface ParallelStore {
  /** Starts keeping a parallel orchestration with no slot ended yet. */
  createParallel(id: string, agents: string[], startedAt: number): Promise<void>;
  /**
   * Records what happened to a slot. A slot that ended stays ended (a later
   * `paused` for it is ignored). Once every slot has ended the record is
   * removed, and exactly one caller gets `complete: true`. Undefined when no
   * such orchestration is kept (never created, or already complete).
   */
  updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined>;
}

/** True when `store` keeps parallel orchestrations itself. */
export function isParallelStore(store: object): store is ParallelStore {
  const parallel = store as Partial<ParallelStore>;
  return typeof parallel.createParallel === "function" && typeof parallel.updateParallel === "function";
}

/** A parallel orchestration's slots as this process holds them while it reads or updates one. */
export interface Entry {
  agents: string[];
  startedAt: number;
  done: Map<number, RunSummary>;
  paused: Map<number, Checkpoint>;
}

/** The record of an entry, slots in order; a paused slot that has ended is left out. */
export function recordOf(id: string, entry: Entry): ParallelRecord {
  const bySlot = <T>(map: Map<number, T>) => [...map].sort(([a], [b]) => a - b);
  return {
    id,
    agents: [...entry.agents],
    startedAt: entry.startedAt,
    done: bySlot(entry.done).map(([slot, summary]) => ({ slot, summary })),
    paused: bySlot(entry.paused)
      .filter(([slot]) => !entry.done.has(slot))
      .map(([slot, checkpoint]) => ({ slot, checkpoint })),
  };
}

/**
 * One record from several views of the same orchestration, which may have
 * arrived out of order: every slot any of them saw ended is ended (its
 * summary from the last view that has it); every slot paused in any view and
 * ended in none is paused, with its checkpoint from the last view that has it.
 */
export function mergeRecords(first: ParallelRecord, ...others: ParallelRecord[]): ParallelRecord {
  const entry: Entry = { agents: first.agents, startedAt: first.startedAt, done: new Map(), paused: new Map() };
  for (const record of [first, ...others]) {
    for (const { slot, summary } of record.done) entry.done.set(slot, summary);
    for (const { slot, checkpoint } of record.paused) entry.paused.set(slot, checkpoint);
  }
  return recordOf(first.id, entry);
}

/** `CORTEX_INVALID_OPTIONS` for a slot the orchestration does not have, or undefined. */
export function slotError(agents: readonly string[], slot: number): InvalidOptionsError | undefined {
  if (Number.isInteger(slot) && slot >= 0 && slot < agents.length) return undefined;
  return new InvalidOptionsError("slot", `No slot ${slot} in a parallel orchestration of ${agents.length} agents`);
}

/** Parallel orchestrations in this process's memory, as JSON copies. */
export class MemoryParallelStore implements ParallelStore {
  readonly #entries = new Map<string, Entry>();

  createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    this.#entries.set(id, { agents: [...agents], startedAt, done: new Map(), paused: new Map() });
    return Promise.resolve();
  }

  updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return Promise.resolve(undefined);
    const bad = slotError(entry.agents, slot);
    if (bad) return Promise.reject(bad);
    if ("done" in update) entry.done.set(slot, structuredClone(update.done));
    else if (!entry.done.has(slot)) entry.paused.set(slot, structuredClone(update.paused));
    const complete = entry.done.size === entry.agents.length;
    if (complete) this.#entries.delete(id);
    return Promise.resolve({ record: recordOf(id, entry), complete });
  }
}
