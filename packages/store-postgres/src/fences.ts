import { InvalidOptionsError } from "@cortex/primitives";
import type { Database } from "./database.js";

/** What a driver that holds a run's lease passes to `save` and `claim`: the token `takeFence` gave it. */
export interface FenceOptions {
  /** The fencing token from `takeFence(runId)`; the call is refused (`CORTEX_STORE_FENCED`) once a newer one was taken. */
  fence?: number;
}

/** The token of a fenced call, checked; undefined for an unfenced one. */
export function fenceOf(options: FenceOptions | undefined, where: string): number | undefined {
  const fence = options?.fence;
  if (fence === undefined) return undefined;
  if (Number.isSafeInteger(fence) && fence > 0) return fence;
  throw new InvalidOptionsError("fence", `${where}: fence must be a token from takeFence (a whole number > 0)`);
}

const COLUMNS = `run_id, agent_id, status, state, session_id, checkpoint_id, plugin, action, tier, paused_at, expires_at`;

// A save replaces the whole row and makes a paused run claimable again.
const UPSERT = `ON CONFLICT (run_id) DO UPDATE SET agent_id = EXCLUDED.agent_id, status = EXCLUDED.status,
  state = EXCLUDED.state, session_id = EXCLUDED.session_id, checkpoint_id = EXCLUDED.checkpoint_id,
  plugin = EXCLUDED.plugin, action = EXCLUDED.action, tier = EXCLUDED.tier, paused_at = EXCLUDED.paused_at,
  expires_at = EXCLUDED.expires_at, claim_token = NULL, claimed_at = NULL, updated_at = now()`;

/** The save statement: $1-$11 are `runColumns`' values. */
export const saveSql = (runs: string): string =>
  `INSERT INTO ${runs} AS r (${COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11) ${UPSERT}`;

/**
 * The fenced save statement, $12 the token: it writes only while the run's
 * fence is at most the token. The fence row is locked (FOR SHARE) for the
 * statement, so a `takeFence` waits for a save under way, and a save waits
 * for a `takeFence` under way and then sees its new token: a save is either
 * wholly before the new driver took the run (which then loads it) or refused.
 */
export const fencedSaveSql = (runs: string, fences: string): string =>
  `WITH holder AS (SELECT 1 FROM ${fences} WHERE run_id = $1 AND fence <= $12 FOR SHARE)
   INSERT INTO ${runs} AS r (${COLUMNS})
   SELECT $1::text, $2::text, $3::text, $4::jsonb, $5::text, $6::text, $7::text, $8::text, $9::text,
     $10::timestamptz, $11::timestamptz
   WHERE EXISTS (SELECT 1 FROM holder)
   ${UPSERT}`;

/** The claim statement; with a token ($3) it also needs the run's fence to be at most it (locked like a save's). */
export const claimSql = (runs: string, fences: string, fenced: boolean): string =>
  `UPDATE ${runs} AS r SET claim_token = $2, claimed_at = now()
   WHERE checkpoint_id = $1 AND (claim_token IS NULL OR claim_token = $2)${
     fenced
       ? ` AND EXISTS (SELECT 1 FROM ${fences} AS f WHERE f.run_id = r.run_id AND f.fence <= $3 FOR SHARE OF f)`
       : ""
   }
   RETURNING state`;

/** Raises the run's fence by one and returns it: from then on, calls carrying a lower token are refused. */
export async function takeFence(db: Database, fences: string, runId: string): Promise<number> {
  const { rows } = await db.query<{ fence: string }>(
    "takeFence",
    `INSERT INTO ${fences} AS f (run_id, fence) VALUES ($1, 1)
     ON CONFLICT (run_id) DO UPDATE SET fence = f.fence + 1, updated_at = now()
     RETURNING fence`,
    [runId],
  );
  return Number(rows[0]!.fence);
}

/** Whether a fenced claim found nothing because the run of that checkpoint has a newer fence (not because it was taken). */
export async function claimFenced(db: Database, runs: string, fences: string, checkpointId: string, fence: number) {
  const { rows } = await db.query<{ run_id: string }>(
    "claim",
    `SELECT r.run_id FROM ${runs} AS r JOIN ${fences} AS f ON f.run_id = r.run_id
     WHERE r.checkpoint_id = $1 AND f.fence > $2`,
    [checkpointId, fence],
  );
  return rows[0]?.run_id;
}
