import { LedgerTamperedError } from "../errors.js";
import {
  ledgerKey,
  sameDigest,
  type CallRecord,
  type LedgerEntry,
  type LedgerHead,
  type LedgerKey,
  type LedgerRecord,
} from "./record.js";
import { checkRecord, parse, type LedgerLine, type LedgerVerification } from "./verify.js";

/** One page of records, newest first; `nextBefore` is the `before` of the next (older) page. */
export interface LedgerPage {
  items: LedgerRecord[];
  nextBefore?: number;
}

/**
 * Where votes, decisions and expiries are recorded: an append-only,
 * hash-chained list of records shared by every server that decides on the
 * same runs. The server reads votes back from it, so they survive restarts.
 */
export interface ApprovalLedger {
  /**
   * Runs `plan` with the checkpoint's records as they stand, while holding
   * the ledger's lock (exclusive across processes), and appends the entries
   * it returns as the next records of the chain. A `plan` that throws
   * appends nothing. Resolves to the records appended.
   */
  append(checkpointId: string, plan: (history: readonly CallRecord[]) => LedgerEntry[]): Promise<LedgerRecord[]>;
  /** The checkpoint's records, oldest first. */
  history(checkpointId: string): Promise<CallRecord[]>;
  /** The decision record of each of these checkpoints that has one. */
  decisions(checkpointIds: readonly string[]): Promise<Map<string, CallRecord>>;
  /** A page of records, newest first: those with a seq below `before` (default: from the last), at most `limit` (default 50). */
  list(options?: { before?: number; limit?: number }): Promise<LedgerPage>;
  /** The last record's seq and hash (0 and 64 zeros when empty), signed with the server key when there is one. */
  head(): Promise<LedgerHead>;
  /** Reads the whole ledger and reports the first problem (see `verifyLines`). */
  verify(): Promise<LedgerVerification>;
  /** Waits for appends in progress; the ledger is not used afterwards. */
  close(): Promise<void>;
}

/** A server key given as text, bytes or a ready key. */
export type LedgerKeyInput = string | Uint8Array | LedgerKey;

/** The key as a `LedgerKey`, or undefined when none is given. */
export function toLedgerKey(key: LedgerKeyInput | undefined): LedgerKey | undefined {
  if (key === undefined) return undefined;
  if (typeof key === "object" && "secret" in key && "id" in key) return key;
  return ledgerKey(key);
}

/** The tip of a chain as read so far. */
export interface ChainTip {
  seq: number;
  hash: string;
}

/**
 * Checks the next stored record against the chain read so far: shape, hash,
 * MAC, the next seq, and `prev`. Anything else is tampering, and nothing is
 * decided from a ledger that fails it.
 */
export function nextRecord(at: LedgerLine, tip: ChainTip, key: LedgerKey | undefined): LedgerRecord {
  const parsed = parse(at.text);
  const problem = checkRecord(parsed, at, key);
  if (problem) throw new LedgerTamperedError(problem);
  const record = parsed as unknown as LedgerRecord;
  if (record.seq !== tip.seq + 1) {
    const code = record.seq <= tip.seq ? "CORTEX_LEDGER_REORDERED" : "CORTEX_LEDGER_REMOVED";
    throw new LedgerTamperedError({
      code,
      seq: record.seq,
      line: at.line,
      message: `record ${record.seq} follows record ${tip.seq}`,
    });
  }
  if (!sameDigest(record.prev, tip.hash)) {
    throw new LedgerTamperedError({
      code: "CORTEX_LEDGER_EDITED",
      seq: tip.seq,
      line: at.line,
      message: `record ${record.seq} is not chained to record ${tip.seq}`,
    });
  }
  return record;
}

/** Checks a record read back by seq against the hash known for that seq. */
export function storedRecord(text: string, seq: number, hash: string | undefined): LedgerRecord {
  const parsed = parse(text);
  if (parsed?.seq !== seq || typeof parsed.hash !== "string" || hash === undefined || !sameDigest(parsed.hash, hash)) {
    throw new LedgerTamperedError({
      code: "CORTEX_LEDGER_EDITED",
      seq,
      message: `record ${seq} changed after it was written`,
    });
  }
  const problem = checkRecord(parsed, { text, line: seq, complete: true }, undefined);
  if (problem) throw new LedgerTamperedError(problem);
  return parsed as unknown as LedgerRecord;
}
