import { randomUUID } from "node:crypto";
import { readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@cortex/primitives";
import type { RunState } from "../run/run-state.js";
import { FileParallelStore } from "./file-parallel-store.js";
import type { Page } from "./pages.js";
import type { ParallelStore, ParallelUpdate, ParallelUpdateResult } from "./parallel-store.js";
import { pendingOf, pendingPage, type ListPendingOptions, type PendingCheckpoint } from "./pending.js";
import type { RunStore } from "./run-store.js";
import { checkId, isMissing, isSafeId, makeFolder, readIfExists, storedJson } from "./store-files.js";

/**
 * Paused runs as JSON files in a folder, written atomically (temp file and
 * rename) and readable by the owner only (files 0600, folders 0700: they
 * hold raw inputs and tool results), so a run paused by one process can be
 * resumed by another.
 * Layout: `<dir>/runs/<runId>.json` and `<dir>/checkpoints/<checkpointId>`
 * (holding the run id and the checkpoint's inbox item, which `listPending`
 * reads); a claim renames the checkpoint file away, which the file system
 * lets only one claimant do. Parallel orchestrations live in
 * `<dir>/parallel/<orchestrationId>/` (see `FileParallelStore`).
 */
export class JsonFileRunStore implements RunStore, ParallelStore {
  readonly #runs: string;
  readonly #checkpoints: string;
  readonly #parallel: FileParallelStore;
  #ready: Promise<unknown> | undefined;

  constructor(readonly directory: string) {
    this.#runs = join(directory, "runs");
    this.#checkpoints = join(directory, "checkpoints");
    this.#parallel = new FileParallelStore(join(directory, "parallel"));
  }

  createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    return this.#parallel.createParallel(id, agents, startedAt);
  }

  updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined> {
    return this.#parallel.updateParallel(id, slot, update);
  }

  #init(): Promise<unknown> {
    this.#ready ??= Promise.all([makeFolder(this.#runs), makeFolder(this.#checkpoints)]);
    return this.#ready;
  }

  async save(state: RunState): Promise<void> {
    await this.#init();
    const file = join(this.#runs, `${checkId(state.runId, "state.runId")}.json`);
    await writeFileAtomic(file, storedJson(state, "The run state"));
    if (state.checkpoint && state.status === "awaiting_approval") {
      const entry = storedJson({ runId: state.runId, pending: pendingOf(state.checkpoint) }, "The checkpoint");
      await writeFileAtomic(join(this.#checkpoints, checkId(state.checkpoint.id, "state.checkpoint.id")), entry);
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
      if (isMissing(error)) return undefined;
      throw error;
    }
    const { runId } = readEntry(await readFile(claimed, "utf8"));
    await rm(claimed, { force: true });
    return this.load(runId);
  }

  async listPending(options?: ListPendingOptions): Promise<Page<PendingCheckpoint>> {
    await this.#init();
    const items: PendingCheckpoint[] = [];
    for (const name of await readdir(this.#checkpoints)) {
      if (name.startsWith(".") || name.endsWith(".claimed")) continue;
      const text = await readIfExists(join(this.#checkpoints, name));
      if (text === undefined) continue; // claimed meanwhile
      const entry = readEntry(text);
      const pending = entry.pending ?? (await this.load(entry.runId))?.checkpoint;
      if (pending !== undefined) items.push("checkpointId" in pending ? pending : pendingOf(pending));
    }
    return pendingPage(items, options);
  }

  async delete(runId: string): Promise<void> {
    if (!isSafeId(runId)) return; // no run has such an id
    await rm(join(this.#runs, `${runId}.json`), { force: true });
  }
}

/** A checkpoint file: JSON with the run id and the inbox item, or (as older versions wrote it) the bare run id. */
function readEntry(text: string): { runId: string; pending?: PendingCheckpoint } {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return { runId: trimmed };
  return JSON.parse(trimmed) as { runId: string; pending?: PendingCheckpoint };
}
