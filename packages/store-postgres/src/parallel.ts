import { randomUUID } from "node:crypto";
import type { Checkpoint, ParallelRecord, ParallelUpdate, ParallelUpdateResult, RunSummary } from "@cortex/core";
import { InvalidOptionsError, type Logger } from "@cortex/primitives";
import type { Database } from "./database.js";

interface ParallelRow {
  agents: string[];
  started_at: string;
  done: Record<string, RunSummary>;
  paused: Record<string, Checkpoint>;
  complete: boolean;
}

const bySlot = <T>(entries: Record<string, T>): [number, T][] =>
  Object.entries(entries)
    .map(([slot, value]): [number, T] => [Number(slot), value])
    .sort(([a], [b]) => a - b);

function recordOf(id: string, row: ParallelRow): ParallelRecord {
  return {
    id,
    agents: row.agents,
    startedAt: Number(row.started_at),
    done: bySlot(row.done).map(([slot, summary]) => ({ slot, summary })),
    paused: bySlot(row.paused)
      .filter(([slot]) => !(String(slot) in row.done))
      .map(([slot, checkpoint]) => ({ slot, checkpoint })),
  };
}

// The same error, code and wording as core's stores, so the shared contract holds for every store.
const slotError = (slot: number, agents: number): InvalidOptionsError =>
  new InvalidOptionsError("slot", `No slot ${slot} in a parallel orchestration of ${agents} agents`);

/**
 * Parallel orchestrations in one row each, for `PostgresRunStore`. An
 * update is one UPDATE: concurrent updates of one orchestration queue on
 * its row lock and each applies to the row as the one before left it. The
 * update that ends the last slot writes its own token into `completed_by`,
 * and later updates no longer match, so exactly one caller sees
 * `complete: true` — also when that caller's connection dropped after the
 * commit and the update was sent again with the same token.
 */
export class PostgresParallelBook {
  readonly #table: string;

  constructor(
    private readonly db: Database,
    quotedSchema: string,
    private readonly logger: Logger,
  ) {
    this.#table = `${quotedSchema}.parallel_orchestrations`;
  }

  async createParallel(id: string, agents: string[], startedAt: number): Promise<void> {
    await this.db.query(
      "createParallel",
      `INSERT INTO ${this.#table} (orchestration_id, agents, agent_count, started_at) VALUES ($1, $2::jsonb, $3, $4)
       ON CONFLICT (orchestration_id) DO UPDATE SET agents = EXCLUDED.agents, agent_count = EXCLUDED.agent_count,
         started_at = EXCLUDED.started_at, done = '{}', paused = '{}', completed_by = NULL, updated_at = now()`,
      [id, JSON.stringify(agents), agents.length, startedAt],
    );
  }

  async updateParallel(id: string, slot: number, update: ParallelUpdate): Promise<ParallelUpdateResult | undefined> {
    if (!Number.isSafeInteger(slot) || slot < 0) return this.#refuse(id, slot);
    const token = randomUUID();
    const [kind, value] = "done" in update ? ["done", update.done] : ["paused", update.paused];
    const { rows } = await this.db.query<ParallelRow>(
      "updateParallel",
      `UPDATE ${this.#table} AS p SET
         done = CASE WHEN $3 = 'done' THEN p.done || jsonb_build_object($2::text, $4::jsonb) ELSE p.done END,
         paused = CASE WHEN $3 = 'paused' AND NOT p.done ? $2::text
           THEN p.paused || jsonb_build_object($2::text, $4::jsonb) ELSE p.paused END,
         completed_by = CASE
           WHEN p.completed_by IS NULL AND $3 = 'done'
             AND (SELECT count(*) FROM jsonb_object_keys(p.done || jsonb_build_object($2::text, $4::jsonb))) = p.agent_count
           THEN $5 ELSE p.completed_by END,
         updated_at = now()
       WHERE p.orchestration_id = $1 AND $6::int < p.agent_count AND (p.completed_by IS NULL OR p.completed_by = $5)
       RETURNING p.agents, p.started_at, p.done, p.paused, coalesce(p.completed_by = $5, false) AS complete`,
      [id, String(slot), kind, JSON.stringify(value), token, slot],
    );
    const row = rows[0];
    if (row === undefined) return this.#refuse(id, slot);
    if (row.complete) {
      // The record is finished with; a row left behind by a failure here is inert (completed_by is set).
      await this.db
        .query("updateParallel", `DELETE FROM ${this.#table} WHERE orchestration_id = $1 AND completed_by = $2`, [
          id,
          token,
        ])
        .catch((error: unknown) =>
          this.logger.warn("could not remove a completed parallel orchestration", { id, error }),
        );
    }
    return { record: recordOf(id, row), complete: row.complete };
  }

  /** Undefined when no such orchestration is kept; a CORTEX_INVALID_OPTIONS error when it is, but has no such slot. */
  async #refuse(id: string, slot: number): Promise<undefined> {
    const { rows } = await this.db.query<{ agent_count: number }>(
      "updateParallel",
      `SELECT agent_count FROM ${this.#table} WHERE orchestration_id = $1 AND completed_by IS NULL`,
      [id],
    );
    const kept = rows[0];
    if (kept !== undefined) throw slotError(slot, kept.agent_count);
    return undefined;
  }
}
