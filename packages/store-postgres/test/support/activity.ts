import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";

/**
 * The PIDs of the server backends of `applicationName` that wait on a lock
 * (leaving out the PIDs in `except`, e.g. one just terminated), once there
 * are at least `count` of them (polled; rejects after `timeoutMs`, far above what a loaded machine takes).
 */
export async function waitingBackends(
  admin: pg.Pool,
  applicationName: string,
  count = 1,
  except: number[] = [],
  timeoutMs = 30_000,
): Promise<number[]> {
  const due = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
       WHERE application_name = $1 AND wait_event_type = 'Lock' AND NOT pid = ANY($2::int[]) ORDER BY pid`,
      [applicationName, except],
    );
    if (rows.length >= count) return rows.map((row) => row.pid);
    if (Date.now() > due) throw new Error(`only ${rows.length} of ${count} ${applicationName} backends wait on a lock`);
    await sleep(20);
  }
}

/** Holds a row lock on `runId` in an open transaction until `release` is called. */
export async function lockRun(
  admin: pg.Pool,
  schema: string,
  runId: string,
  how = "SELECT 1 FROM {t} WHERE run_id = $1 FOR UPDATE",
) {
  const client = await admin.connect();
  await client.query("BEGIN");
  await client.query(how.replace("{t}", `"${schema}".runs`), [runId]);
  return {
    release: async (): Promise<void> => {
      await client.query("COMMIT");
      client.release();
    },
  };
}
