import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Checkpoint, RunSummary } from "./run-state.js";
import { checkId, isMissing, readIfExists, writeAtomic } from "./store-files.js";

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
export interface ParallelBook {
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
export function isParallelBook(store: object): store is ParallelBook {
  const book = store as Partial<ParallelBook>;
  return typeof book.createParallel === "function" && typeof book.updateParallel === "function";
}

interface Entry {
  agents: string[];
  startedAt: number;
  done: Map<number, RunSummary>;
  paused: Map<number, Checkpoint>;
}

function recordOf(id: string, entry: Entry): ParallelRecord {
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

function slotError(agents: readonly string[], slot: number): RangeError | undefined {
  if (Number.isInteger(slot) && slot >= 0 && slot < agents.length) return undefined;
  return new RangeError(`No slot ${slot} in a parallel orchestration of ${agents.length} agents`);
}

/** Parallel orchestrations in this process's memory, as JSON copies. */
export class MemoryParallelBook implements ParallelBook {
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

/**
 * Parallel orchestrations as files, for `JsonFileRunStore`: one folder per
 * orchestration with `meta.json` and one file per slot event
 * (`done-<slot>.json`, `paused-<slot>.json`), each written atomically, so
 * updates from several processes never overwrite each other. Completion is
 * claimed by renaming `meta.json` away, which only one process can do.
 */
export class FileParallelBook implements ParallelBook {
  constructor(private readonly directory: string) {}

  #folder(id: string): string {
    return join(this.directory, checkId(id));
  }

  async createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    const folder = this.#folder(id);
    await mkdir(folder, { recursive: true });
    await writeAtomic(join(folder, "meta.json"), JSON.stringify({ agents, startedAt }));
  }

  async updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined> {
    const folder = this.#folder(id);
    // Only the agents are needed to check the slot; the slot files are read once, after the write.
    const meta = await this.#meta(folder);
    if (meta === undefined) return undefined;
    const bad = slotError(meta.agents, slot);
    if (bad) throw bad;
    const [kind, value] = "done" in update ? ["done", update.done] : ["paused", update.paused];
    try {
      await writeAtomic(join(folder, `${kind}-${slot}.json`), JSON.stringify(value));
    } catch (error) {
      if (isMissing(error)) return undefined; // completed (and removed) meanwhile
      throw error;
    }
    const after = await this.#read(folder);
    if (after === undefined) return undefined;
    if (after.done.size < after.agents.length || !("done" in update))
      return { record: recordOf(id, after), complete: false };
    try {
      await rename(join(folder, "meta.json"), join(folder, `meta.json.${randomUUID()}.complete`));
    } catch (error) {
      if (isMissing(error)) return { record: recordOf(id, after), complete: false };
      throw error;
    }
    await rm(folder, { recursive: true, force: true });
    return { record: recordOf(id, after), complete: true };
  }

  async #meta(folder: string): Promise<{ agents: string[]; startedAt: number } | undefined> {
    const text = await readIfExists(join(folder, "meta.json"));
    return text === undefined ? undefined : (JSON.parse(text) as { agents: string[]; startedAt: number });
  }

  async #read(folder: string): Promise<Entry | undefined> {
    let names: string[];
    const meta = await this.#meta(folder);
    if (meta === undefined) return undefined;
    try {
      names = await readdir(folder);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const entry: Entry = { agents: meta.agents, startedAt: meta.startedAt, done: new Map(), paused: new Map() };
    for (const name of names) {
      const match = /^(done|paused)-(\d+)\.json$/.exec(name);
      if (!match) continue;
      const text = await readIfExists(join(folder, name));
      if (text === undefined) return undefined;
      const slot = Number(match[2]);
      if (match[1] === "done") entry.done.set(slot, JSON.parse(text) as RunSummary);
      else entry.paused.set(slot, JSON.parse(text) as Checkpoint);
    }
    return entry;
  }
}
