import { randomUUID } from "node:crypto";
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@cortex/primitives";
import type { Checkpoint, RunSummary } from "../run/run-state.js";
import {
  recordOf,
  slotError,
  type Entry,
  type ParallelStore,
  type ParallelUpdate,
  type ParallelUpdateResult,
} from "./parallel-store.js";
import { checkId, isMissing, makeFolder, readIfExists, storedJson } from "./store-files.js";

/**
 * Parallel orchestrations as files, for `JsonFileRunStore`: one folder per
 * orchestration with `meta.json` and one file per slot event
 * (`done-<slot>.json`, `paused-<slot>.json`), each written atomically and
 * readable by the owner only (files 0600, folders 0700), so
 * updates from several processes never overwrite each other. Completion is
 * claimed by renaming `meta.json` away, which only one process can do.
 */
export class FileParallelStore implements ParallelStore {
  constructor(private readonly directory: string) {}

  #folder(id: string): string {
    return join(this.directory, checkId(id, "orchestrationId"));
  }

  async createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    const folder = this.#folder(id);
    await makeFolder(folder);
    await writeFileAtomic(join(folder, "meta.json"), storedJson({ agents, startedAt }, "A parallel orchestration"));
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
      await writeFileAtomic(join(folder, `${kind}-${slot}.json`), storedJson(value, "A parallel orchestration's slot"));
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
