import { createHash } from "node:crypto";
import { mkdir, open, stat, truncate } from "node:fs/promises";
import { dirname } from "node:path";
import { InvalidOptionsError, writeFileAtomic } from "@cortex/primitives";
import { LedgerTamperedError } from "../errors.js";
import { fileLines } from "../lines.js";
import { SERVER_DEFAULTS } from "../defaults.js";
import {
  nextRecord,
  storedRecord,
  toLedgerKey,
  type ApprovalLedger,
  type LedgerKeyInput,
  type LedgerPage,
} from "./ledger.js";
import { withFileLock } from "./lock.js";
import {
  GENESIS_HASH,
  headMacMatches,
  isCallRecord,
  lineOf,
  seal,
  signHead,
  type CallRecord,
  type LedgerEntry,
  type LedgerHead,
  type LedgerKey,
  type LedgerRecord,
} from "./record.js";
import type { LedgerVerification } from "./verify.js";
import { corruptHead, readHead, verifyLedgerFile } from "./verify-file.js";

/** Options of `new JsonlLedger(options)`. */
export interface JsonlLedgerOptions {
  /** The ledger file (JSON lines); created with mode 0600, with its folder, on the first append. */
  path: string;
  /** The server key: every record gets an HMAC-SHA256 under it, and records without a valid one are refused. */
  key?: LedgerKeyInput;
  /** How long an append waits for another process's lock. Default 10 000 ms. */
  lockTimeoutMs?: number;
}

/**
 * The approval ledger as a JSON-lines file: one record per line, each
 * chained to the one before by its hash. `<path>.head` holds the last
 * record's seq and hash (so records cut from the end are noticed) and
 * `<path>.lock` exists while a process appends. Appends from any number of
 * processes on one host keep the chain whole: each takes the lock, reads
 * what others appended, then writes its records with one `O_APPEND` write
 * and an fsync.
 */
export class JsonlLedger implements ApprovalLedger {
  readonly path: string;
  readonly #headPath: string;
  readonly #lockPath: string;
  readonly #key: LedgerKey | undefined;
  readonly #lockTimeoutMs: number;
  /** Byte offset of record seq n at index n − 1, then the end of the last complete line read. */
  readonly #offsets: number[] = [0];
  readonly #hashes: string[] = [];
  readonly #byCheckpoint = new Map<string, number[]>();
  readonly #decided = new Map<string, number>();
  #serial: Promise<unknown> = Promise.resolve();
  #ready: Promise<void> | undefined;

  constructor(options: JsonlLedgerOptions) {
    if (typeof options?.path !== "string" || options.path === "")
      throw new InvalidOptionsError("path", "JsonlLedger: path must name the ledger file");
    const lockTimeoutMs = options.lockTimeoutMs ?? SERVER_DEFAULTS.ledgerLockTimeoutMs;
    if (!(lockTimeoutMs > 0)) throw new InvalidOptionsError("lockTimeoutMs", "JsonlLedger: lockTimeoutMs must be > 0");
    this.path = options.path;
    this.#headPath = `${options.path}.head`;
    this.#lockPath = `${options.path}.lock`;
    this.#key = toLedgerKey(options.key);
    this.#lockTimeoutMs = lockTimeoutMs;
  }

  get #seq(): number {
    return this.#hashes.length;
  }

  get #consumed(): number {
    return this.#offsets[this.#offsets.length - 1]!;
  }

  /**
   * Reads the head, then checks the whole file once against it. In that
   * order: another process may append while this one reads, and it writes
   * its records before the head, so a head read first never names a record
   * the file read after it lacks (read the other way round, it could).
   */
  #load(): Promise<void> {
    this.#ready ??= (async () => {
      const head = await readHead(this.#headPath);
      await this.#catchUp();
      if (head === undefined) return;
      if (head === "corrupt") throw corruptHead(this.#headPath);
      if (this.#key && !headMacMatches(head, this.#key))
        throw new LedgerTamperedError({ code: "CORTEX_LEDGER_FORGED", message: "the ledger head's MAC is not valid" });
      if (head.seq > this.#seq)
        throw new LedgerTamperedError({
          code: "CORTEX_LEDGER_TRUNCATED",
          seq: this.#seq + 1,
          message: `the ledger ends at record ${this.#seq} but its head names record ${head.seq}`,
        });
      if (head.seq > 0 && this.#hashes[head.seq - 1] !== head.hash)
        throw new LedgerTamperedError({
          code: "CORTEX_LEDGER_EDITED",
          seq: head.seq,
          message: `record ${head.seq} is not the one the head names`,
        });
    })();
    return this.#ready;
  }

  /** Indexes the complete lines appended since the last read (by this or another process). */
  async #catchUp(): Promise<void> {
    const size = await stat(this.path).then(
      (info) => info.size,
      () => 0,
    );
    if (size < this.#consumed)
      throw new LedgerTamperedError({
        code: "CORTEX_LEDGER_REMOVED",
        message: `the ledger file shrank below ${this.#consumed} bytes`,
      });
    if (size === this.#consumed) return;
    for await (const line of fileLines(this.path, this.#consumed)) {
      if (!line.complete) break;
      const record = nextRecord(line, { seq: this.#seq, hash: this.#hashes.at(-1) ?? GENESIS_HASH }, this.#key);
      this.#index(record, line.end);
    }
  }

  #index(record: LedgerRecord, end: number): void {
    this.#hashes.push(record.hash);
    this.#offsets.push(end);
    if (!isCallRecord(record)) return;
    const seqs = this.#byCheckpoint.get(record.checkpointId);
    if (seqs) seqs.push(record.seq);
    else this.#byCheckpoint.set(record.checkpointId, [record.seq]);
    if (record.kind === "decision" && !this.#decided.has(record.checkpointId))
      this.#decided.set(record.checkpointId, record.seq);
  }

  /** Reads records back by seq, each checked against the hash indexed for it. */
  async #read(seqs: readonly number[]): Promise<LedgerRecord[]> {
    if (seqs.length === 0) return [];
    const handle = await open(this.path, "r");
    try {
      const records: LedgerRecord[] = [];
      for (const seq of seqs) {
        const start = this.#offsets[seq - 1]!;
        const length = this.#offsets[seq]! - start;
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, start);
        records.push(storedRecord(buffer.toString("utf8").trimEnd(), seq, this.#hashes[seq - 1]));
      }
      return records;
    } finally {
      await handle.close();
    }
  }

  /**
   * Runs `work` after everything queued before it: the index is only ever
   * changed by one reader or appender of this instance at a time.
   */
  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(work);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  /** Runs `read` on an index brought up to date with the file. */
  #fresh<T>(read: () => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      await this.#load();
      await this.#catchUp();
      return read();
    });
  }

  append(checkpointId: string, plan: (history: readonly CallRecord[]) => LedgerEntry[]): Promise<LedgerRecord[]> {
    return this.#exclusive(async () => {
      await this.#load();
      await mkdir(dirname(this.path), { recursive: true });
      return withFileLock(this.#lockPath, () => this.#appendLocked(checkpointId, plan), {
        timeoutMs: this.#lockTimeoutMs,
      });
    });
  }

  async #appendLocked(
    checkpointId: string,
    plan: (history: readonly CallRecord[]) => LedgerEntry[],
  ): Promise<LedgerRecord[]> {
    await this.#catchUp();
    const entries: LedgerEntry[] = [];
    const repair = await this.#cutTornTail();
    if (repair) entries.push(repair);
    const planned = plan((await this.#read(this.#byCheckpoint.get(checkpointId) ?? [])) as CallRecord[]);
    entries.push(...planned);
    if (entries.length === 0) return [];
    const at = new Date().toISOString();
    const records: LedgerRecord[] = [];
    let prev = this.#hashes.at(-1) ?? GENESIS_HASH;
    for (const [index, entry] of entries.entries()) {
      const record = seal(entry, { seq: this.#seq + index + 1, prev, at }, this.#key);
      records.push(record);
      prev = record.hash;
    }
    const lines = records.map(lineOf);
    const handle = await open(this.path, "a", 0o600);
    try {
      await handle.appendFile(lines.join(""));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    let end = this.#consumed;
    for (const [index, record] of records.entries()) {
      end += Buffer.byteLength(lines[index]!);
      this.#index(record, end);
    }
    const last = records.at(-1)!;
    // Not synced: a head lost to a power cut lags behind the records, which verification reports as a warning only.
    await writeFileAtomic(this.#headPath, JSON.stringify(signHead(last.seq, last.hash, this.#key)), { sync: false });
    return records.filter((record) => record.kind !== "repair");
  }

  /** A last line without its newline, left by a crash mid-write: cut off and described by a repair record. */
  async #cutTornTail(): Promise<LedgerEntry | undefined> {
    const size = await stat(this.path).then(
      (info) => info.size,
      () => 0,
    );
    if (size <= this.#consumed) return undefined;
    const handle = await open(this.path, "r");
    const torn = Buffer.alloc(size - this.#consumed);
    try {
      await handle.read(torn, 0, torn.length, this.#consumed);
    } finally {
      await handle.close();
    }
    await truncate(this.path, this.#consumed);
    return {
      kind: "repair",
      reason: "the last line was incomplete (a write cut off by a crash) and was removed",
      removedBytes: torn.length,
      removedSha256: createHash("sha256").update(torn).digest("hex"),
    };
  }

  history(checkpointId: string): Promise<CallRecord[]> {
    return this.#fresh(async () => (await this.#read(this.#byCheckpoint.get(checkpointId) ?? [])) as CallRecord[]);
  }

  decisions(checkpointIds: readonly string[]): Promise<Map<string, CallRecord>> {
    return this.#fresh(async () => {
      const wanted = checkpointIds.filter((id) => this.#decided.has(id));
      const records = (await this.#read(wanted.map((id) => this.#decided.get(id)!))) as CallRecord[];
      return new Map(records.map((record) => [record.checkpointId, record]));
    });
  }

  list(options: { before?: number; limit?: number } = {}): Promise<LedgerPage> {
    return this.#fresh(async () => {
      const limit = options.limit ?? SERVER_DEFAULTS.pageSize;
      const top = Math.min((options.before ?? Infinity) - 1, this.#seq);
      const seqs: number[] = [];
      for (let seq = top; seq >= 1 && seqs.length < limit; seq--) seqs.push(seq);
      const items = await this.#read(seqs);
      const lowest = seqs.at(-1);
      return lowest !== undefined && lowest > 1 ? { items, nextBefore: lowest } : { items };
    });
  }

  head(): Promise<LedgerHead> {
    return this.#fresh(() => Promise.resolve(signHead(this.#seq, this.#hashes.at(-1) ?? GENESIS_HASH, this.#key)));
  }

  async verify(): Promise<LedgerVerification> {
    return verifyLedgerFile(this.path, this.#key);
  }

  async close(): Promise<void> {
    await this.#serial;
  }
}
