import { randomUUID } from "node:crypto";
import type { ParallelBook, ParallelUpdate, ParallelUpdateResult, RunState, RunStore } from "@cortex/core";
import { consoleLogger, guardedLogger, InvalidOptionsError } from "@cortex/primitives";
import { PostgresCallJournal } from "./call-journal.js";
import { Database } from "./database.js";
import { StoreFencedError } from "./errors.js";
import { claimFenced, claimSql, fencedSaveSql, fenceOf, saveSql, takeFence, type FenceOptions } from "./fences.js";
import { checkMigrated, migrate, quote, type MigrationReport } from "./migrate.js";
import { SCHEMA_VERSION } from "./migrations.js";
import { resolveOptions, STORE_POSTGRES_DEFAULTS, type PostgresRunStoreOptions } from "./options.js";
import { PostgresParallelBook } from "./parallel.js";
import {
  pageOf,
  pendingQuery,
  PENDING_SQL,
  type ListPendingOptions,
  type PendingPage,
  type PendingRow,
} from "./pending.js";
import { runColumns } from "./run-columns.js";

/** Options of `expirePaused`. */
export interface ExpirePausedOptions {
  /** The most paused runs taken by one call, 1 to 1000. Default 100. */
  limit?: number;
}

/**
 * Paused runs and parallel orchestrations in PostgreSQL, for engines in
 * any number of processes: a run is a row (its state as JSONB), and a
 * checkpoint is claimed by one atomic UPDATE, so two workers resolving the
 * same checkpoint can never both win. Call `migrate()` once before use.
 * Transient failures (a lost connection, a serialization failure, a
 * deadlock) are retried with backoff; every statement is safe to send
 * again, so a retry after a commit whose answer was lost does no harm.
 * A driver holding a run through a lease fences its writes (`takeFence`):
 * once a newer driver takes the run, the older one's writes are refused.
 */
export class PostgresRunStore implements RunStore, ParallelBook {
  /** The schema that holds the tables. */
  readonly schema: string;
  /** Asks the engine to save every run's progress (see `DurableRunStore` in `@cortex/core`): a crash loses at most the step in flight. */
  readonly durable = true as const;
  /** The tool-call journal in this store's schema, for the engine's `callJournal` option. */
  readonly callJournal: PostgresCallJournal;
  readonly #db: Database;
  readonly #table: string;
  readonly #fences: string;
  readonly #pausedTtlMs: number | undefined;
  readonly #parallel: PostgresParallelBook;
  #ready: Promise<void> | undefined;

  /** From a `postgres://` URL, or options with a `connectionString` or a `pg` pool. Connects lazily. */
  constructor(options: string | PostgresRunStoreOptions) {
    const given = typeof options === "string" ? { connectionString: options } : options;
    const resolved = resolveOptions(given);
    const logger = guardedLogger(resolved.logger ?? consoleLogger);
    this.schema = resolved.schema;
    this.#pausedTtlMs = resolved.pausedTtlMs;
    const connection =
      given.pool !== undefined
        ? { pool: given.pool }
        : {
            connectionString: given.connectionString!,
            poolSize: given.poolSize,
            applicationName: given.applicationName,
          };
    this.#db = new Database(connection, resolved.retry, logger, SCHEMA_VERSION);
    this.#table = `${quote(this.schema)}.runs`;
    this.#fences = `${quote(this.schema)}.run_fences`;
    this.#parallel = new PostgresParallelBook(this.#db, quote(this.schema), logger);
    this.callJournal = new PostgresCallJournal(this.#db, quote(this.schema));
  }

  /** Creates or updates the tables (idempotent; safe from several processes at once). */
  async migrate(): Promise<MigrationReport> {
    const report = await migrate(this.#db, this.schema);
    this.#ready = Promise.resolve();
    return report;
  }

  /** Resolves once the schema is known to be migrated; checked on first use, again after a failed check. */
  #whenReady(): Promise<void> {
    this.#ready ??= checkMigrated(this.#db, this.schema).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /**
   * Writes the run (insert or replace). A run paused at a checkpoint becomes
   * claimable at it; any other status is not. With a `fence` (from
   * `takeFence`), the write happens only while no newer driver took the run,
   * else `CORTEX_STORE_FENCED` and the row stays as the newer driver left it.
   */
  async save(state: RunState, options?: FenceOptions): Promise<void> {
    const values = runColumns(state, this.#pausedTtlMs);
    const fence = fenceOf(options, "PostgresRunStore.save");
    await this.#whenReady();
    if (fence === undefined) {
      await this.#db.query("save", saveSql(this.#table), values);
      return;
    }
    const { rowCount } = await this.#db.query("save", fencedSaveSql(this.#table, this.#fences), [...values, fence]);
    if (rowCount === 0) throw new StoreFencedError(state.runId, fence, "save");
  }

  /**
   * Makes the caller the run's newest driver: returns a fencing token
   * greater than every one taken before for the run. From then on a save or
   * claim carrying an older token is refused, even one already sent (it
   * either commits before this returns or is refused). A queue worker takes
   * one with each run's lease; an engine with no lease never needs one.
   */
  async takeFence(runId: string): Promise<number> {
    if (typeof runId !== "string" || runId === "")
      throw new InvalidOptionsError("runId", "PostgresRunStore.takeFence: runId must be a run id");
    await this.#whenReady();
    return takeFence(this.#db, this.#fences, runId);
  }

  /** The run's last saved state (also after a claim), or undefined. */
  async load(runId: string): Promise<RunState | undefined> {
    if (typeof runId !== "string") return undefined;
    await this.#whenReady();
    const { rows } = await this.#db.query<{ state: RunState }>(
      "load",
      `SELECT state FROM ${this.#table} WHERE run_id = $1`,
      [runId],
    );
    return rows[0]?.state;
  }

  /**
   * Takes the run paused at this checkpoint, or undefined when none is or
   * it was taken. One UPDATE: concurrent claimers queue on the row's lock
   * and only the first finds the claim token still empty. The token is this
   * call's own, so a retry after a lost answer gets the same run back. With
   * a `fence`, `CORTEX_STORE_FENCED` when a newer driver took the run.
   */
  async claim(checkpointId: string, options?: FenceOptions): Promise<RunState | undefined> {
    if (typeof checkpointId !== "string") return undefined;
    const fence = fenceOf(options, "PostgresRunStore.claim");
    await this.#whenReady();
    const { rows } = await this.#db.query<{ state: RunState }>(
      "claim",
      claimSql(this.#table, this.#fences, fence !== undefined),
      fence === undefined ? [checkpointId, randomUUID()] : [checkpointId, randomUUID(), fence],
    );
    if (rows[0] !== undefined || fence === undefined) return rows[0]?.state;
    const runId = await claimFenced(this.#db, this.#table, this.#fences, checkpointId, fence);
    if (runId !== undefined) throw new StoreFencedError(runId, fence, "claim");
    return undefined;
  }

  /** Removes the run and its fence; nothing happens when there is none. */
  async delete(runId: string): Promise<void> {
    if (typeof runId !== "string") return;
    await this.#whenReady();
    await this.#db.query(
      "delete",
      `WITH fence AS (DELETE FROM ${this.#fences} WHERE run_id = $1) DELETE FROM ${this.#table} WHERE run_id = $1`,
      [runId],
    );
  }

  /** Starts keeping a parallel orchestration (see `ParallelBook`); creating one id again starts it afresh. */
  async createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    await this.#whenReady();
    return this.#parallel.createParallel(id, agents, startedAt);
  }

  /** Records a slot's end or pause; exactly one update, the one that ends the last slot, gets `complete: true`. */
  async updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined> {
    await this.#whenReady();
    return this.#parallel.updateParallel(id, slot, update);
  }

  /**
   * One page of the checkpoints waiting for a decision, oldest first,
   * filtered by agent, plugin and tier. Pages follow each other through
   * `nextCursor`: a checkpoint that waits the whole time appears on exactly
   * one page, whatever is paused or claimed meanwhile.
   */
  async listPending(options: ListPendingOptions = {}): Promise<PendingPage> {
    const { text, values, limit } = pendingQuery(this.#table, options);
    await this.#whenReady();
    const { rows } = await this.#db.query<PendingRow>("listPending", text, values);
    return pageOf(rows, limit);
  }

  /**
   * Claims paused runs whose expiry time is at or before `now` (up to
   * `limit`, soonest first) and returns their states: from then on their
   * checkpoints cannot be claimed, just as if a worker had taken them, and
   * the caller decides their end (save them failed, or delete them).
   * Concurrent callers take disjoint sets.
   */
  async expirePaused(now: Date | number = Date.now(), options: ExpirePausedOptions = {}): Promise<RunState[]> {
    const at = typeof now === "number" ? now : now instanceof Date ? now.getTime() : Number.NaN;
    if (!Number.isFinite(at))
      throw new InvalidOptionsError("now", "expirePaused: now must be a Date or epoch milliseconds");
    const limit = options.limit ?? STORE_POSTGRES_DEFAULTS.expireBatchSize;
    if (!Number.isInteger(limit) || limit < 1 || limit > STORE_POSTGRES_DEFAULTS.maxPageSize)
      throw new InvalidOptionsError(
        "limit",
        `expirePaused: limit must be a whole number from 1 to ${STORE_POSTGRES_DEFAULTS.maxPageSize}`,
      );
    await this.#whenReady();
    const { rows } = await this.#db.query<{ state: RunState }>(
      "expirePaused",
      `UPDATE ${this.#table} AS r SET claim_token = $2, claimed_at = now()
       FROM (
         SELECT run_id FROM ${this.#table}
         WHERE (${PENDING_SQL} AND expires_at <= $1) OR claim_token = $2
         ORDER BY claim_token IS NOT DISTINCT FROM $2 DESC, expires_at LIMIT $3
         FOR UPDATE SKIP LOCKED
       ) AS due
       WHERE r.run_id = due.run_id AND (r.claim_token IS NULL OR r.claim_token = $2)
       RETURNING r.state`,
      [new Date(at).toISOString(), randomUUID(), limit],
    );
    return rows.map((row) => row.state);
  }

  /** Refuses further calls (`CORTEX_STORE_CLOSED`) and ends the pool the store created; a pool you passed stays open. */
  close(): Promise<void> {
    return this.#db.close();
  }
}
