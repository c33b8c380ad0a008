import type { Checkpoint, ListPendingOptions, Page, PendingCheckpoint } from "@cortex/core";
import { InvalidOptionsError } from "@cortex/primitives";
import { STORE_POSTGRES_DEFAULTS } from "./options.js";

// Core owns the shapes, so every store lists the same thing and the inbox reads any of them.
export type { ListPendingOptions, PendingCheckpoint } from "@cortex/core";

/** One page of paused checkpoints, oldest first; `nextCursor` is set when more followed at the time of the query. */
export type PendingPage = Page<PendingCheckpoint>;

/** The predicate of a run paused at a checkpoint that nobody has taken yet. */
export const PENDING_SQL = "checkpoint_id IS NOT NULL AND claim_token IS NULL";

interface Position {
  pausedAt: string;
  checkpointId: string;
}

// A cursor is the position of the last item of a page: its pause time and checkpoint id, which
// never change while it waits, so a page boundary stays put whatever is inserted or taken meanwhile.
const encodeCursor = (position: Position): string =>
  Buffer.from(JSON.stringify([position.pausedAt, position.checkpointId])).toString("base64url");

function decodeCursor(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2) {
      const [pausedAt, checkpointId] = value as unknown[];
      if (typeof pausedAt === "string" && !Number.isNaN(Date.parse(pausedAt)) && typeof checkpointId === "string")
        return { pausedAt, checkpointId };
    }
  } catch {
    // reported below
  }
  throw new InvalidOptionsError("after", "listPending: after must be a nextCursor returned by listPending");
}

function checkOptions(options: ListPendingOptions): number {
  for (const filter of ["agentId", "plugin", "tier", "after"] as const) {
    const value = options[filter];
    if (value !== undefined && typeof value !== "string")
      throw new InvalidOptionsError(filter, `listPending: ${filter} must be a string`);
  }
  const limit = options.limit ?? STORE_POSTGRES_DEFAULTS.pageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > STORE_POSTGRES_DEFAULTS.maxPageSize)
    throw new InvalidOptionsError(
      "limit",
      `listPending: limit must be a whole number from 1 to ${STORE_POSTGRES_DEFAULTS.maxPageSize}; got ${String(limit)}`,
    );
  return limit;
}

/** The parameterized query of one page (one row more than `limit`, to know whether another page follows). */
export function pendingQuery(
  table: string,
  options: ListPendingOptions,
): { text: string; values: unknown[]; limit: number } {
  const limit = checkOptions(options);
  const values: unknown[] = [];
  const where = [PENDING_SQL];
  const param = (value: unknown): string => `$${values.push(value)}`;
  if (options.agentId !== undefined) where.push(`agent_id = ${param(options.agentId)}`);
  if (options.plugin !== undefined) where.push(`plugin = ${param(options.plugin)}`);
  if (options.tier !== undefined) where.push(`tier = ${param(options.tier)}`);
  if (options.after !== undefined) {
    const { pausedAt, checkpointId } = decodeCursor(options.after);
    where.push(`(paused_at, checkpoint_id) > (${param(pausedAt)}::timestamptz, ${param(checkpointId)} COLLATE "C")`);
  }
  const text = `SELECT run_id, agent_id, checkpoint_id, state->'checkpoint' AS checkpoint, paused_at, expires_at
    FROM ${table} WHERE ${where.join(" AND ")}
    ORDER BY paused_at, checkpoint_id LIMIT ${param(limit + 1)}`;
  return { text, values, limit };
}

/** A row of {@link pendingQuery}. */
export interface PendingRow {
  run_id: string;
  agent_id: string;
  checkpoint_id: string;
  checkpoint: Checkpoint;
  paused_at: Date;
  expires_at: Date | null;
}

/** The page for the rows of {@link pendingQuery}. */
export function pageOf(rows: PendingRow[], limit: number): PendingPage {
  const items = rows.slice(0, limit).map((row): PendingCheckpoint => {
    const { checkpoint } = row;
    const item: PendingCheckpoint = {
      checkpointId: row.checkpoint_id,
      runId: row.run_id,
      agentId: row.agent_id,
      plugin: checkpoint.plugin,
      action: checkpoint.action,
      tier: checkpoint.tier,
      params: checkpoint.args,
      approvalId: checkpoint.approvalId,
      createdAt: checkpoint.createdAt,
    };
    if (row.expires_at !== null) item.expiresAt = row.expires_at.toISOString();
    if (checkpoint.preview !== undefined) item.preview = checkpoint.preview;
    return item;
  });
  if (rows.length <= limit) return { items };
  const last = rows[limit - 1]!;
  return {
    items,
    nextCursor: encodeCursor({ pausedAt: last.paused_at.toISOString(), checkpointId: last.checkpoint_id }),
  };
}
