import { randomUUID } from "node:crypto";
import type { ParallelBook, ParallelUpdate, ParallelUpdateResult, RunState, RunStore } from "@cortex/core";
import { consoleLogger, guardedLogger, InvalidOptionsError } from "@cortex/primitives";
import { PostgresCallJournal } from "./call-journal.js";
import { Database } from "./database.js";
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

  /** Writes the run (insert or replace). A run paused at a checkpoint becomes claimable at it; any other status is not. */
  async save(state: RunState): Promise<void> {
    const values = runColumns(state, this.#pausedTtlMs);
    await this.#whenReady();
    await this.#db.query(
      "save",
      `INSERT INTO ${this.#table} AS r (run_id, agent_id, status, state, session_id,
         checkpoint_id, plugin, action, tier, paused_at, expires_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (run_id) DO UPDATE SET agent_id = EXCLUDED.agent_id, status = EXCLUDED.status,
         state = EXCLUDED.state, session_id = EXCLUDED.session_id, checkpoint_id = EXCLUDED.checkpoint_id,
         plugin = EXCLUDED.plugin, action = EXCLUDED.action, tier = EXCLUDED.tier, paused_at = EXCLUDED.paused_at,
         expires_at = EXCLUDED.expires_at, claim_token = NULL, claimed_at = NULL, updated_at = now()`,
      values,
    );
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
   * call's own, so a retry after a lost answer gets the same run back.
   */
  async claim(checkpointId: string): Promise<RunState | undefined> {
    if (typeof checkpointId !== "string") return undefined;
    await this.#whenReady();
    const { rows } = await this.#db.query<{ state: RunState }>(
      "claim",
      `UPDATE ${this.#table} SET claim_token = $2, claimed_at = now()
       WHERE checkpoint_id = $1 AND (claim_token IS NULL OR claim_token = $2)
       RETURNING state`,
      [checkpointId, randomUUID()],
    );
    return rows[0]?.state;
  }

  /** Removes the run; nothing happens when there is none. */
  async delete(runId: string): Promise<void> {
    if (typeof runId !== "string") return;
    await this.#whenReady();
    await this.#db.query("delete", `DELETE FROM ${this.#table} WHERE run_id = $1`, [runId]);
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
