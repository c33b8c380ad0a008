import type { RunState } from "@cortex/core";
import { InvalidOptionsError, isPlainObject } from "@cortex/primitives";

// The latest time a JavaScript Date can hold; an expiry past it means "never".
const MAX_DATE_MS = 8.64e15;

const isoOrNull = (ms: number): string | null =>
  Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : null;

/**
 * The values of a run's row, in the column order of the save statement:
 * run_id, agent_id, status, state, session_id, and — while the run is
 * paused at a checkpoint — checkpoint_id, plugin, action, tier, paused_at,
 * expires_at. A checkpoint's own `expiresAt` wins over `pausedTtlMs`.
 */
export function runColumns(state: RunState, pausedTtlMs: number | undefined): unknown[] {
  if (
    !isPlainObject(state) ||
    typeof state.runId !== "string" ||
    state.runId === "" ||
    typeof state.agentId !== "string" ||
    typeof state.status !== "string"
  ) {
    throw new InvalidOptionsError(
      "state",
      "PostgresRunStore.save: state must be a run state with runId, agentId and status",
    );
  }
  const checkpoint = state.status === "awaiting_approval" ? state.checkpoint : undefined;
  const sessionId = (state as { sessionId?: unknown }).sessionId;
  const row: unknown[] = [
    state.runId,
    state.agentId,
    state.status,
    JSON.stringify(state),
    typeof sessionId === "string" ? sessionId : null,
  ];
  if (checkpoint === undefined) return [...row, null, null, null, null, null, null];
  const created = Date.parse(checkpoint.createdAt);
  const pausedAt = Number.isNaN(created) ? Date.now() : created;
  const own = (checkpoint as { expiresAt?: unknown }).expiresAt;
  const ownExpiry = typeof own === "string" ? Date.parse(own) : Number.NaN;
  let expiresAt: string | null = null;
  if (!Number.isNaN(ownExpiry)) expiresAt = isoOrNull(ownExpiry);
  else if (pausedTtlMs !== undefined) expiresAt = isoOrNull(pausedAt + pausedTtlMs);
  return [
    ...row,
    checkpoint.id,
    checkpoint.plugin,
    checkpoint.action,
    checkpoint.tier,
    new Date(pausedAt).toISOString(),
    expiresAt,
  ];
}
