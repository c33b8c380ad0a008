import type { ListPendingOptions, Page, PendingCheckpoint, RunState } from "@cortex/core";
import { InvalidOptionsError } from "@cortex/primitives";

// Core owns the shapes, so every store lists the same thing and the inbox reads any of them.
export type { PendingCheckpoint } from "@cortex/core";

/** Filters and position of `listPending` (core's `ListPendingOptions`). */
export type PendingFilter = ListPendingOptions;

/** One page of paused checkpoints, oldest first (core's `Page`). */
export type PendingPage = Page<PendingCheckpoint>;

/**
 * What the server needs of a run store: the paused checkpoints, page by
 * page, and a run's state. `JsonFileRunStore` and `PostgresRunStore` fit.
 */
export interface PendingSource {
  listPending(filter?: PendingFilter): Promise<PendingPage>;
  load(runId: string): Promise<RunState | undefined>;
}

/** Throws `CORTEX_INVALID_OPTIONS` unless `store` can list pending checkpoints and load runs. */
export function checkPendingSource(store: unknown): asserts store is PendingSource {
  const candidate = store as Partial<PendingSource> | undefined;
  if (typeof candidate?.load !== "function")
    throw new InvalidOptionsError("store", "store must be a run store (with load(runId))");
  if (typeof candidate.listPending !== "function")
    throw new InvalidOptionsError(
      "store",
      "store has no listPending(): use a run store that lists paused checkpoints (JsonFileRunStore of a @cortex/core that has it, or PostgresRunStore)",
    );
}

/** What changed between two looks at the pending checkpoints. */
export interface PendingChange {
  added: PendingCheckpoint[];
  removed: string[];
  items: PendingCheckpoint[];
}

const FULL_PAGE = 500;

/**
 * Keeps the set of pending checkpoints as last listed, to find one by id
 * and to tell the page what appeared and what went. Every `refresh` lists
 * all pages; concurrent callers share one listing.
 */
export class PendingWatcher {
  readonly #store: PendingSource;
  #items = new Map<string, PendingCheckpoint>();
  #listing: Promise<PendingChange> | undefined;

  constructor(store: PendingSource) {
    this.#store = store;
  }

  /** The checkpoints as last listed, oldest first. */
  get items(): PendingCheckpoint[] {
    return [...this.#items.values()];
  }

  /** Lists every pending checkpoint now; resolves to what changed since the last listing. */
  refresh(): Promise<PendingChange> {
    this.#listing ??= this.#list().finally(() => {
      this.#listing = undefined;
    });
    return this.#listing;
  }

  async #list(): Promise<PendingChange> {
    const next = new Map<string, PendingCheckpoint>();
    let after: string | undefined;
    do {
      const page = await this.#store.listPending({ limit: FULL_PAGE, ...(after === undefined ? {} : { after }) });
      for (const item of page.items) next.set(item.checkpointId, item);
      after = page.nextCursor;
    } while (after !== undefined);
    const added = [...next.values()].filter((item) => !this.#items.has(item.checkpointId));
    const removed = [...this.#items.keys()].filter((id) => !next.has(id));
    this.#items = next;
    return { added, removed, items: [...next.values()] };
  }

  /** The pending checkpoint with this id: as last listed, or after listing again when it was not there. */
  async find(checkpointId: string): Promise<PendingCheckpoint | undefined> {
    const known = this.#items.get(checkpointId);
    if (known) return known;
    // A listing already under way may have started before this checkpoint paused: list once more after it.
    if (this.#listing) await this.#listing.catch(() => undefined);
    await this.refresh();
    return this.#items.get(checkpointId);
  }
}
