import type { DurableRunStore, ParallelUpdate, ParallelUpdateResult, RunState } from "@cortex/core";
import { RunLeaseLostError } from "./errors.js";
import type { Lease } from "./lease.js";

/** What a run store offers to fence off drivers whose lease was taken over (`PostgresRunStore` has it). */
export interface FencingRunStore extends DurableRunStore {
  /** Returns a token greater than every one taken before for the run; older tokens are refused from then on. */
  takeFence(runId: string): Promise<number>;
  save(state: RunState, options?: { fence?: number }): Promise<void>;
  claim(checkpointId: string, options?: { fence?: number }): Promise<RunState | undefined>;
}

/** Whether the store can fence drivers off (see {@link FencingRunStore}). */
export const isFencing = (store: DurableRunStore): store is FencingRunStore =>
  typeof (store as Partial<FencingRunStore>).takeFence === "function";

/** A job driving a run: its lease, and the fencing token it took with it. */
interface Driver {
  readonly lease: Lease;
  readonly fence: number | undefined;
}

const FENCED = "CORTEX_STORE_FENCED";

/**
 * The store a worker's engine uses: the shared store, with every write of
 * a run that a job of this worker drives made by that job's lease. A job
 * takes a fencing token with its lease, and each save (and the claim of the
 * checkpoint it resumes) carries it, so the store refuses it once a newer
 * job took the run, even before this job noticed. Once a job's lease is
 * lost, its writes are refused here, without reaching the store. Writes of
 * runs no job here drives (an engine call made outside a job) go through
 * as they are.
 */
export class FencedRunStore implements DurableRunStore {
  readonly durable = true as const;
  readonly #store: DurableRunStore;
  /** The job driving each run, and the job resuming each checkpoint. `RunLeases` keeps one job per run here. */
  readonly #runs = new Map<string, Driver>();
  readonly #checkpoints = new Map<string, Driver>();
  readonly listPending?: DurableRunStore["listPending"];
  readonly createParallel?: (id: string, agents: string[], startedAt: number) => Promise<void>;
  readonly updateParallel?: (
    id: string,
    slot: number,
    update: ParallelUpdate,
  ) => Promise<ParallelUpdateResult | undefined>;

  constructor(store: DurableRunStore) {
    this.#store = store;
    // Only what the store has: the engine looks for these to decide what it can do.
    if (store.listPending) this.listPending = store.listPending.bind(store);
    if (store.createParallel) this.createParallel = store.createParallel.bind(store);
    if (store.updateParallel) this.updateParallel = store.updateParallel.bind(store);
  }

  /**
   * Makes the lease's job the driver of its run (and of the checkpoint it
   * resumes) until the returned function is called; takes the fencing
   * token when the store can fence.
   */
  async enter(lease: Lease, checkpointId?: string): Promise<() => void> {
    const store = this.#store;
    const fence = isFencing(store) ? await store.takeFence(lease.runId) : undefined;
    const driver: Driver = { lease, fence };
    this.#runs.set(lease.runId, driver);
    if (checkpointId !== undefined) this.#checkpoints.set(checkpointId, driver);
    return () => {
      if (this.#runs.get(lease.runId) === driver) this.#runs.delete(lease.runId);
      if (checkpointId !== undefined && this.#checkpoints.get(checkpointId) === driver)
        this.#checkpoints.delete(checkpointId);
    };
  }

  async save(state: RunState): Promise<void> {
    const driver = this.#runs.get(state.runId);
    if (driver === undefined) return this.#store.save(state);
    this.#check(driver);
    const store = this.#store;
    if (driver.fence === undefined || !isFencing(store)) return store.save(state);
    return this.#fenced(driver, store.save(state, { fence: driver.fence }));
  }

  async claim(checkpointId: string): Promise<RunState | undefined> {
    const driver = this.#checkpoints.get(checkpointId);
    if (driver === undefined) return this.#store.claim(checkpointId);
    this.#check(driver);
    const store = this.#store;
    if (driver.fence === undefined || !isFencing(store)) return store.claim(checkpointId);
    return this.#fenced(driver, store.claim(checkpointId, { fence: driver.fence }));
  }

  load(runId: string): Promise<RunState | undefined> {
    return this.#store.load(runId);
  }

  async delete(runId: string): Promise<void> {
    const driver = this.#runs.get(runId);
    if (driver !== undefined) this.#check(driver);
    return this.#store.delete(runId);
  }

  /** Refuses a write of a job whose lease is lost. */
  #check(driver: Driver): void {
    if (driver.lease.signal.aborted) throw driver.lease.signal.reason as Error;
  }

  /** A write the store refused for its fence: the job lost the run, and stops driving it. */
  async #fenced<T>(driver: Driver, write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (error) {
      if ((error as { code?: unknown }).code !== FENCED) throw error;
      const lost = new RunLeaseLostError(
        driver.lease.runId,
        "the run store refused its write: a newer job took the run",
        {
          cause: error,
        },
      );
      driver.lease.lose(lost);
      throw lost;
    }
  }
}
