import { createHash } from "node:crypto";
import { InvalidOptionsError, isCortexError, messageOf } from "@cortex/primitives";
import { LedgerTamperedError, UnavailableError } from "../errors.js";
import { SERVER_DEFAULTS } from "../defaults.js";
import { toLedgerKey, type ApprovalLedger, type LedgerKeyInput, type LedgerPage } from "./ledger.js";
import {
  GENESIS_HASH,
  headMacMatches,
  lineOf,
  seal,
  signHead,
  type CallRecord,
  type LedgerEntry,
  type LedgerHead,
  type LedgerKey,
  type LedgerRecord,
} from "./record.js";
import { checkRecord, parse, verifyLines, type LedgerLine, type LedgerVerification } from "./verify.js";

/** What the ledger needs of a `pg` client: `query`, and `release` for a pooled one. */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  release(error?: Error | boolean): void;
}

/** What the ledger needs of a `pg.Pool` (which fits as is). */
export interface SqlPool {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<SqlClient>;
}

/** Options of `new PostgresLedger(options)`. */
export interface PostgresLedgerOptions {
  /** A `pg.Pool` (the one given to `PostgresRunStore` fits); it stays yours. */
  pool: SqlPool;
  /** The schema of the run store's tables; the ledger's two tables go beside them. Default `cortex`. */
  schema?: string;
  /** The server key: every record gets an HMAC-SHA256 under it, and records without a valid one are refused. */
  key?: LedgerKeyInput;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const VERIFY_PAGE = 1_000;

interface Row {
  seq: string;
  record: string;
}

/**
 * The approval ledger as a PostgreSQL table beside the run store's
 * (`approval_ledger`: one row per record, the record's exact JSON text
 * kept so its hash can be checked, and `approval_ledger_head`). Appends
 * from any number of servers keep the chain whole: each runs in one
 * transaction holding an advisory lock for the ledger. Call `migrate()`
 * once before use.
 */
export class PostgresLedger implements ApprovalLedger {
  readonly schema: string;
  readonly #pool: SqlPool;
  readonly #key: LedgerKey | undefined;
  readonly #table: string;
  readonly #headTable: string;
  readonly #lockKey: string;

  constructor(options: PostgresLedgerOptions) {
    if (typeof options?.pool?.connect !== "function")
      throw new InvalidOptionsError("pool", "PostgresLedger: pool must be a pg.Pool");
    const schema = options.schema ?? "cortex";
    if (!SCHEMA_NAME.test(schema))
      throw new InvalidOptionsError("schema", "PostgresLedger: schema must be lowercase letters, digits and _");
    this.schema = schema;
    this.#pool = options.pool;
    this.#key = toLedgerKey(options.key);
    this.#table = `"${schema}".approval_ledger`;
    this.#headTable = `"${schema}".approval_ledger_head`;
    this.#lockKey = createHash("sha256").update(`cortex-server:ledger:${schema}`).digest().readBigInt64BE(0).toString();
  }

  async #transaction<T>(work: (client: SqlClient) => Promise<T>): Promise<T> {
    let client: SqlClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw new UnavailableError(`The ledger's database is unreachable: ${messageOf(error)}`, { cause: error });
    }
    let failed = false;
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [this.#lockKey]);
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      failed = true;
      await client.query("ROLLBACK").catch(() => undefined);
      if (isCortexError(error)) throw error;
      throw new UnavailableError(`A ledger statement failed: ${messageOf(error)}`, { cause: error });
    } finally {
      client.release(failed);
    }
  }

  async #query(text: string, values?: unknown[]): Promise<unknown[]> {
    try {
      return (await this.#pool.query(text, values)).rows;
    } catch (error) {
      throw new UnavailableError(`A ledger query failed: ${messageOf(error)}`, { cause: error });
    }
  }

  /** Creates the ledger's tables when they do not exist (idempotent; safe from several processes at once). */
  async migrate(): Promise<void> {
    await this.#transaction(async (client) => {
      const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [this.schema]);
      if (rows.length === 0) await client.query(`CREATE SCHEMA "${this.schema}"`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.#table} (
        seq           bigint PRIMARY KEY CHECK (seq > 0),
        kind          text NOT NULL,
        checkpoint_id text COLLATE "C",
        approval_id   text,
        record        text NOT NULL,
        hash          text NOT NULL,
        appended_at   timestamptz NOT NULL DEFAULT now()
      )`);
      await client.query(
        `CREATE INDEX IF NOT EXISTS approval_ledger_by_checkpoint ON ${this.#table} (checkpoint_id, seq)`,
      );
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.#headTable} (
        id   boolean PRIMARY KEY DEFAULT true CHECK (id),
        seq  bigint NOT NULL,
        hash text NOT NULL,
        mac  text
      )`);
    });
  }

  #checked(row: Row): LedgerRecord {
    const parsed = parse(row.record);
    const problem = checkRecord(parsed, { text: row.record, line: Number(row.seq), complete: true }, this.#key);
    if (problem) throw new LedgerTamperedError(problem);
    if (parsed!.seq !== Number(row.seq))
      throw new LedgerTamperedError({
        code: "CORTEX_LEDGER_REORDERED",
        seq: Number(row.seq),
        message: `row ${row.seq} holds record ${String(parsed!.seq)}`,
      });
    return parsed as unknown as LedgerRecord;
  }

  async #headOf(client: SqlClient | SqlPool): Promise<LedgerHead | undefined> {
    const { rows } = await client.query(`SELECT seq, hash, mac FROM ${this.#headTable}`);
    const row = rows[0] as { seq: string; hash: string; mac: string | null } | undefined;
    if (row === undefined) return undefined;
    return { seq: Number(row.seq), hash: row.hash, ...(row.mac === null ? {} : { mac: row.mac }) };
  }

  append(checkpointId: string, plan: (history: readonly CallRecord[]) => LedgerEntry[]): Promise<LedgerRecord[]> {
    return this.#transaction(async (client) => {
      const tipRow = (await client.query(`SELECT seq, record FROM ${this.#table} ORDER BY seq DESC LIMIT 1`))
        .rows[0] as Row | undefined;
      const tip = tipRow === undefined ? { seq: 0, hash: GENESIS_HASH } : this.#checked(tipRow);
      const head = await this.#headOf(client);
      if (head !== undefined) this.#checkHead(head, tip.seq, tip.hash);
      const history = (
        await client.query(`SELECT seq, record FROM ${this.#table} WHERE checkpoint_id = $1 ORDER BY seq`, [
          checkpointId,
        ])
      ).rows as Row[];
      const entries = plan(history.map((row) => this.#checked(row) as CallRecord));
      if (entries.length === 0) return [];
      const at = new Date().toISOString();
      const records: LedgerRecord[] = [];
      let prev = tip.hash;
      for (const [index, entry] of entries.entries()) {
        const record = seal(entry, { seq: tip.seq + index + 1, prev, at }, this.#key);
        records.push(record);
        prev = record.hash;
        const call = record.kind === "repair" ? { checkpointId: null, approvalId: null } : record;
        await client.query(
          `INSERT INTO ${this.#table} (seq, kind, checkpoint_id, approval_id, record, hash) VALUES ($1, $2, $3, $4, $5, $6)`,
          [record.seq, record.kind, call.checkpointId, call.approvalId, lineOf(record).trimEnd(), record.hash],
        );
      }
      const last = signHead(records.at(-1)!.seq, records.at(-1)!.hash, this.#key);
      await client.query(
        `INSERT INTO ${this.#headTable} (id, seq, hash, mac) VALUES (true, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, mac = EXCLUDED.mac`,
        [last.seq, last.hash, last.mac ?? null],
      );
      return records;
    });
  }

  #checkHead(head: LedgerHead, seq: number, hash: string): void {
    if (this.#key && !headMacMatches(head, this.#key))
      throw new LedgerTamperedError({ code: "CORTEX_LEDGER_FORGED", message: "the ledger head's MAC is not valid" });
    if (head.seq > seq)
      throw new LedgerTamperedError({
        code: "CORTEX_LEDGER_TRUNCATED",
        seq: seq + 1,
        message: `the ledger ends at record ${seq} but its head names record ${head.seq}`,
      });
    if (head.seq === seq && head.hash !== hash)
      throw new LedgerTamperedError({
        code: "CORTEX_LEDGER_EDITED",
        seq,
        message: `record ${seq} is not the one the head names`,
      });
  }

  async history(checkpointId: string): Promise<CallRecord[]> {
    const rows = (await this.#query(`SELECT seq, record FROM ${this.#table} WHERE checkpoint_id = $1 ORDER BY seq`, [
      checkpointId,
    ])) as Row[];
    return rows.map((row) => this.#checked(row) as CallRecord);
  }

  async decisions(checkpointIds: readonly string[]): Promise<Map<string, CallRecord>> {
    if (checkpointIds.length === 0) return new Map();
    const rows = (await this.#query(
      `SELECT DISTINCT ON (checkpoint_id) seq, record FROM ${this.#table}
       WHERE checkpoint_id = ANY($1::text[]) AND kind = 'decision' ORDER BY checkpoint_id, seq`,
      [checkpointIds],
    )) as Row[];
    return new Map(
      rows.map((row) => {
        const record = this.#checked(row) as CallRecord;
        return [record.checkpointId, record];
      }),
    );
  }

  async list(options: { before?: number; limit?: number } = {}): Promise<LedgerPage> {
    const limit = options.limit ?? SERVER_DEFAULTS.pageSize;
    const before = options.before ?? Number.MAX_SAFE_INTEGER;
    const rows = (await this.#query(
      `SELECT seq, record FROM ${this.#table} WHERE seq < $1 ORDER BY seq DESC LIMIT $2`,
      [before, limit],
    )) as Row[];
    const items = rows.map((row) => this.#checked(row));
    const lowest = items.at(-1)?.seq;
    return lowest !== undefined && lowest > 1 && items.length === limit ? { items, nextBefore: lowest } : { items };
  }

  async head(): Promise<LedgerHead> {
    const rows = (await this.#query(`SELECT seq, record FROM ${this.#table} ORDER BY seq DESC LIMIT 1`)) as Row[];
    const tip = rows[0] === undefined ? { seq: 0, hash: GENESIS_HASH } : this.#checked(rows[0]);
    return signHead(tip.seq, tip.hash, this.#key);
  }

  async verify(): Promise<LedgerVerification> {
    const head = await this.#headOf(this.#pool).catch((error: unknown) => {
      throw new UnavailableError(`A ledger query failed: ${messageOf(error)}`, { cause: error });
    });
    return verifyLines(this.#rows(), { ...(this.#key ? { key: this.#key } : {}), head: head ?? null });
  }

  /** Every row in seq order, a page at a time. */
  async *#rows(): AsyncGenerator<LedgerLine> {
    let after = 0;
    let line = 0;
    for (;;) {
      const rows = (await this.#query(`SELECT seq, record FROM ${this.#table} WHERE seq > $1 ORDER BY seq LIMIT $2`, [
        after,
        VERIFY_PAGE,
      ])) as Row[];
      for (const row of rows) yield { text: row.record, line: ++line, complete: true };
      if (rows.length < VERIFY_PAGE) return;
      after = Number(rows.at(-1)!.seq);
    }
  }

  /** Nothing to release: the pool stays the caller's. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
