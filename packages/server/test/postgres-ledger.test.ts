import { createHash } from "node:crypto";
import { canonicalJson } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { PostgresLedger, type PostgresLedgerOptions } from "../src/index.js";
import { callFor, voteOn } from "./support/ledger.js";
import { freshSchema, postgresUrl, usePostgres } from "./support/postgres.js";
import { raceProcesses } from "./support/processes.js";

const KEY = "a-server-key-of-at-least-32-bytes!!";
const db = usePostgres();

async function filled(count: number) {
  const ledger = await db.ledger(KEY);
  for (let n = 1; n <= count; n++)
    await ledger.append(`cp_${n}`, () => [voteOn(n, `person${n}`, "approve", `reason ${n}`)]);
  return ledger;
}

const table = (ledger: PostgresLedger) => `"${ledger.schema}".approval_ledger`;

describe("PostgresLedger", () => {
  it("appends chained records in a table and reads them back like the file ledger", async () => {
    const ledger = await db.ledger(KEY);
    await ledger.append("cp_1", () => [voteOn(1, "alice")]);
    await ledger.append("cp_2", () => [voteOn(2, "carol", "deny", "no")]);
    const [vote, decision] = await ledger.append("cp_1", (history) => {
      expect(history.map((record) => record.seq)).toEqual([1]);
      return [
        voteOn(1, "bob"),
        {
          ...callFor(1),
          kind: "decision",
          principal: { id: "bob", roles: ["admin"] },
          decision: "approved",
          reason: null,
          approvals: ["alice", "bob"],
          quorum: 2,
        },
      ];
    });
    expect(decision!.prev).toBe(vote!.hash);
    expect((await ledger.history("cp_1")).map((record) => record.seq)).toEqual([1, 3, 4]);
    expect([...(await ledger.decisions(["cp_1", "cp_2"])).keys()]).toEqual(["cp_1"]);
    expect((await ledger.list({ limit: 2 })).items.map((record) => record.seq)).toEqual([4, 3]);
    expect((await ledger.list({ limit: 2 })).nextBefore).toBe(3);
    expect((await ledger.head()).seq).toBe(4);
    expect(await ledger.verify()).toMatchObject({ ok: true, records: 4, signed: true, warnings: [] });
    await ledger.migrate(); // again: nothing changes
    expect((await ledger.head()).seq).toBe(4);
  });

  it("keeps the chain whole under concurrent appends from three processes", async () => {
    const ledger = await db.ledger(KEY);
    const results = await raceProcesses<{ appended: number }>(
      "ledger-writer.ts",
      (i) => ["postgres", `${postgresUrl()}#${ledger.schema}`, "30", "xyz"[i]!, KEY],
      3,
    );
    expect(results.map((result) => result.appended)).toEqual([30, 30, 30]);
    expect(await ledger.verify()).toMatchObject({ ok: true, records: 90 });
  });

  it("catches a row edited, removed, reordered, forged or cut from the end", async () => {
    const pool = db.pool();
    const ledger = await filled(5);
    const t = table(ledger);
    await pool.query(`UPDATE ${t} SET record = replace(record, 'reason 3', 'reason three') WHERE seq = 3`);
    expect((await ledger.verify()).problem).toMatchObject({ code: "CORTEX_LEDGER_EDITED", seq: 3 });
    await pool.query(`UPDATE ${t} SET record = replace(record, 'reason three', 'reason 3') WHERE seq = 3`);
    expect((await ledger.verify()).ok).toBe(true);

    const rows = (await pool.query<{ seq: string; record: string }>(`SELECT seq, record FROM ${t} ORDER BY seq`)).rows;
    await pool.query(`UPDATE ${t} SET record = $1 WHERE seq = 2`, [rows[2]!.record]);
    await pool.query(`UPDATE ${t} SET record = $1 WHERE seq = 3`, [rows[1]!.record]);
    expect((await ledger.verify()).problem).toMatchObject({ code: "CORTEX_LEDGER_REORDERED", seq: 3 });
    await pool.query(`UPDATE ${t} SET record = $1 WHERE seq = 2`, [rows[1]!.record]);
    await pool.query(`UPDATE ${t} SET record = $1 WHERE seq = 3`, [rows[2]!.record]);

    const forged = JSON.parse(rows[3]!.record) as Record<string, unknown>;
    forged.principal = { id: "mallory", roles: ["admin"] };
    const { hash: _h, mac, ...body } = forged;
    const hash = createHash("sha256").update(canonicalJson(body)).digest("hex");
    await pool.query(`UPDATE ${t} SET record = $1 WHERE seq = 4`, [canonicalJson({ ...body, hash, mac })]);
    expect((await ledger.verify()).problem).toMatchObject({ code: "CORTEX_LEDGER_FORGED", seq: 4 });
    await expect(ledger.history("cp_4")).rejects.toMatchObject({ code: "CORTEX_LEDGER_TAMPERED" });
    await pool.query(`UPDATE ${t} SET record = $1 WHERE seq = 4`, [rows[3]!.record]);

    await pool.query(`DELETE FROM ${t} WHERE seq = 2`);
    expect((await ledger.verify()).problem).toMatchObject({ code: "CORTEX_LEDGER_REMOVED", seq: 2 });
    await pool.query(
      `INSERT INTO ${t} (seq, kind, checkpoint_id, approval_id, record, hash) VALUES (2, 'vote', 'cp_2', 'x', $1, 'x')`,
      [rows[1]!.record],
    );

    await pool.query(`DELETE FROM ${t} WHERE seq >= 4`);
    expect((await ledger.verify()).problem).toMatchObject({ code: "CORTEX_LEDGER_TRUNCATED", seq: 4 });
    // Nothing is decided from it: the next append refuses too.
    await expect(ledger.append("cp_9", () => [voteOn(9, "x")])).rejects.toMatchObject({
      problem: { code: "CORTEX_LEDGER_TRUNCATED" },
    });
  });

  it("reports an unreachable database as CORTEX_SERVER_UNAVAILABLE and refuses options it cannot use", async () => {
    const pg = await import("pg");
    const pool = new pg.default.Pool({
      connectionString: "postgres://nobody:x@127.0.0.1:1/none",
      connectionTimeoutMillis: 500,
    });
    pool.on("error", () => undefined);
    const ledger = new PostgresLedger({ pool, schema: freshSchema() });
    await expect(ledger.append("cp_1", () => [])).rejects.toMatchObject({ code: "CORTEX_SERVER_UNAVAILABLE" });
    await expect(ledger.history("cp_1")).rejects.toMatchObject({ code: "CORTEX_SERVER_UNAVAILABLE" });
    await pool.end();
    expect(() => new PostgresLedger({} as PostgresLedgerOptions)).toThrow(
      expect.objectContaining({ option: "pool" }) as Error,
    );
    expect(() => new PostgresLedger({ pool, schema: "Bad-Name" })).toThrow(
      expect.objectContaining({ option: "schema" }) as Error,
    );
  });
});
