import { randomUUID } from "node:crypto";
import type { CallBegin, CallJournal, JournalCall } from "@cortex/core";
import type { Database } from "./database.js";

type PluginResult = Parameters<CallJournal["finish"]>[1];

/** What a begun row says: its status after this begin, the token that owns it, and a finished call's result. */
interface BeginRow {
  status: "started" | "finished" | "interrupted";
  worker_id: string | null;
  result: PluginResult | null;
}

/** A result as JSON, or a failure saying it was not JSON (the engine tells the model the same). */
function resultJson(result: PluginResult): string {
  try {
    return JSON.stringify(result ?? { success: false });
  } catch {
    return JSON.stringify({ success: false, code: "CORTEX_RESULT_NOT_JSON", error: "the result was not JSON" });
  }
}

/**
 * The engine's call journal in the `tool_calls` table: a row is written
 * (status `started`) before a call runs and marked `finished` with its
 * result after. `begin` is one INSERT … ON CONFLICT: of two processes
 * beginning the same call, the one whose row it is runs it; a row another
 * process left `started` becomes `interrupted` (its call is not run again)
 * unless the action is idempotent. Each begin carries its own token, so a
 * retry after a lost answer is recognised as the same begin.
 */
export class PostgresCallJournal implements CallJournal {
  readonly #db: Database;
  readonly #table: string;

  constructor(db: Database, quotedSchema: string) {
    this.#db = db;
    this.#table = `${quotedSchema}.tool_calls`;
  }

  /** Records the call as started, or says how an earlier begin of it ended. */
  async begin(call: JournalCall): Promise<CallBegin> {
    const token = randomUUID();
    const { rows } = await this.#db.query<BeginRow>(
      "journal.begin",
      `INSERT INTO ${this.#table} AS t (run_id, step_index, call_id, tool_name, plugin, action, tier, args,
         approval_id, idempotent, status, worker_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, 'started', $11)
       ON CONFLICT (run_id, step_index, call_id) DO UPDATE SET
         status = CASE WHEN t.worker_id = EXCLUDED.worker_id OR t.status <> 'started' OR EXCLUDED.idempotent
                       THEN t.status ELSE 'interrupted' END,
         attempts = t.attempts + CASE WHEN t.worker_id = EXCLUDED.worker_id THEN 0 ELSE 1 END,
         worker_id = CASE WHEN t.status = 'started' AND EXCLUDED.idempotent THEN EXCLUDED.worker_id ELSE t.worker_id END
       RETURNING t.status, t.worker_id, t.result`,
      [
        call.runId,
        call.stepIndex,
        call.toolCallId,
        call.toolName,
        call.plugin,
        call.action,
        call.tier,
        JSON.stringify(call.args),
        call.approvalId ?? null,
        call.idempotent,
        token,
      ],
    );
    const row = rows[0]!;
    if (row.status === "finished") return { finished: row.result ?? { success: false } };
    return row.status === "started" && row.worker_id === token ? "run" : "interrupted";
  }

  /** Records the call's end and its result (a later begin of it gets this result instead of running it). */
  async finish(call: JournalCall, result: PluginResult): Promise<void> {
    await this.#db.query(
      "journal.finish",
      `UPDATE ${this.#table} SET status = 'finished', result = $4::jsonb, finished_at = now()
       WHERE run_id = $1 AND step_index = $2 AND call_id = $3`,
      [call.runId, call.stepIndex, call.toolCallId, resultJson(result)],
    );
  }
}
