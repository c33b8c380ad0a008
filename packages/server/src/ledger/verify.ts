import { isPlainObject } from "@cortex/primitives";
import {
  GENESIS_HASH,
  hashMatches,
  headMacMatches,
  macMatches,
  sameDigest,
  type LedgerHead,
  type LedgerKey,
  type LedgerRecord,
} from "./record.js";

/** What verification can find wrong, as a code of `SERVER_ERRORS`. */
export type LedgerProblemCode =
  | "CORTEX_LEDGER_EDITED"
  | "CORTEX_LEDGER_REMOVED"
  | "CORTEX_LEDGER_REORDERED"
  | "CORTEX_LEDGER_FORGED"
  | "CORTEX_LEDGER_TRUNCATED"
  | "CORTEX_LEDGER_CORRUPT";

/** The first thing wrong with a ledger. */
export interface LedgerProblem {
  code: LedgerProblemCode;
  /** The record's sequence number, when it is known. */
  seq?: number;
  /** The line (file) or row (table) where it was found, 1-based. */
  line?: number;
  message: string;
}

/** What `verify` reports. */
export interface LedgerVerification {
  /** True when every record is intact, in order, complete and (with a key) signed. */
  ok: boolean;
  /** Records checked and found intact before the first problem. */
  records: number;
  /** seq and hash of the last intact record (0 and 64 zeros for an empty ledger). */
  lastSeq: number;
  lastHash: string;
  /** True when MACs were checked with a key. */
  signed: boolean;
  /** The first problem, when there is one. */
  problem?: LedgerProblem;
  /** Things that are not proof of tampering but limit what could be checked. */
  warnings: string[];
}

/** One stored record's text and where it was found. */
export interface LedgerLine {
  text: string;
  line: number;
  /** False for a last line without its newline (a cut-off write). */
  complete: boolean;
}

/** Options of {@link verifyLines}. */
export interface VerifyOptions {
  /** The server key: every record must then carry a valid MAC. */
  key?: LedgerKey;
  /** The stored head; `null` when the ledger has none; leave out where there is no head to check. */
  head?: LedgerHead | null;
}

const KINDS = new Set(["vote", "decision", "repair"]);

/** A line parsed as a JSON object, or undefined. */
export function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const wellFormed = (record: Record<string, unknown>): boolean =>
  record.v === 1 &&
  Number.isSafeInteger(record.seq) &&
  (record.seq as number) > 0 &&
  typeof record.prev === "string" &&
  typeof record.at === "string" &&
  typeof record.hash === "string" &&
  KINDS.has(record.kind as string);

/** Checks one record on its own: shape, hash, MAC; `record` is the parsed line (undefined when it did not parse). */
export function checkRecord(
  record: Record<string, unknown> | undefined,
  at: LedgerLine,
  key: LedgerKey | undefined,
): LedgerProblem | undefined {
  if (record === undefined || !wellFormed(record)) {
    return { code: "CORTEX_LEDGER_CORRUPT", line: at.line, message: `line ${at.line} is not a ledger record` };
  }
  const seq = record.seq as number;
  if (!hashMatches(record)) {
    return {
      code: "CORTEX_LEDGER_EDITED",
      seq,
      line: at.line,
      message: `record ${seq} was edited: its hash does not match its content`,
    };
  }
  if (key === undefined) return undefined;
  if (record.kid !== undefined && record.kid !== key.id) {
    return {
      code: "CORTEX_LEDGER_FORGED",
      seq,
      line: at.line,
      message: `record ${seq} is signed with another key (${JSON.stringify(record.kid)}), not ${key.id}`,
    };
  }
  if (!macMatches(record, key)) {
    const why = typeof record.mac === "string" ? "its MAC is not valid under the server key" : "it has no MAC";
    return { code: "CORTEX_LEDGER_FORGED", seq, line: at.line, message: `record ${seq} is forged: ${why}` };
  }
  return undefined;
}

/**
 * Verifies a ledger read in stored order: each record's shape, hash and
 * (with a key) MAC, then that its seq is the next one and its `prev` the
 * hash of the record before; finally the head, which catches records cut
 * from the end. Reports the first problem: an edited, removed, reordered,
 * forged or unreadable record, or a truncated tail.
 */
export async function verifyLines(
  lines: AsyncIterable<LedgerLine> | Iterable<LedgerLine>,
  options: VerifyOptions = {},
): Promise<LedgerVerification> {
  const { key, head } = options;
  const report: LedgerVerification = {
    ok: false,
    records: 0,
    lastSeq: 0,
    lastHash: GENESIS_HASH,
    signed: key !== undefined,
    warnings: [],
  };
  let unsignedSeen = false;
  let headHash: string | undefined;
  // Set when a seq is out of place: the rest is only read to tell a removal from a reordering.
  let missing: { expected: number; found: number; line: number } | undefined;
  for await (const at of lines) {
    const record = parse(at.text);
    if (missing !== undefined) {
      if (record?.seq === missing.expected) {
        report.problem = {
          code: "CORTEX_LEDGER_REORDERED",
          seq: missing.found,
          line: missing.line,
          message: `record ${missing.found} comes before record ${missing.expected}: records were reordered`,
        };
        return report;
      }
      continue;
    }
    if (!at.complete) {
      if (at.text.length === 0) break;
      report.problem = {
        code: "CORTEX_LEDGER_TRUNCATED",
        line: at.line,
        message: `the last line (${Buffer.byteLength(at.text)} bytes) has no newline: a write was cut off`,
      };
      return report;
    }
    const problem = checkRecord(record, at, key);
    if (problem) {
      report.problem = problem;
      return report;
    }
    const valid = record as unknown as LedgerRecord;
    const expected = report.lastSeq + 1;
    if (valid.seq < expected) {
      report.problem = {
        code: "CORTEX_LEDGER_REORDERED",
        seq: valid.seq,
        line: at.line,
        message: `record ${valid.seq} comes after record ${report.lastSeq}: records were reordered or copied`,
      };
      return report;
    }
    if (valid.seq > expected) {
      missing = { expected, found: valid.seq, line: at.line };
      continue;
    }
    if (!sameDigest(valid.prev, report.lastHash)) {
      report.problem = {
        code: "CORTEX_LEDGER_EDITED",
        seq: report.lastSeq,
        line: at.line,
        message:
          report.lastSeq === 0
            ? "record 1 does not start the chain: records were removed from the start or replaced"
            : `record ${valid.seq} is not chained to record ${report.lastSeq}: record ${report.lastSeq} was replaced, or records were removed and renumbered`,
      };
      return report;
    }
    if (valid.mac === undefined) unsignedSeen = true;
    if (valid.seq === head?.seq) headHash = valid.hash;
    report.records += 1;
    report.lastSeq = valid.seq;
    report.lastHash = valid.hash;
  }
  if (missing !== undefined) {
    const last = missing.found - 1;
    report.problem = {
      code: "CORTEX_LEDGER_REMOVED",
      seq: missing.expected,
      line: missing.line,
      message:
        last === missing.expected
          ? `record ${missing.expected} was removed`
          : `records ${missing.expected} to ${last} were removed`,
    };
    return report;
  }
  const headProblem = checkHead(report, head, headHash, key);
  if (headProblem) {
    report.problem = headProblem;
    return report;
  }
  if (!key && report.records > 0 && !unsignedSeen)
    report.warnings.push("records carry MACs; give the server key to check them");
  if (!key && unsignedSeen)
    report.warnings.push("records carry no MAC: whoever can write the ledger can rewrite it whole");
  report.ok = true;
  return report;
}

function checkHead(
  report: LedgerVerification,
  head: LedgerHead | null | undefined,
  headHash: string | undefined,
  key: LedgerKey | undefined,
): LedgerProblem | undefined {
  if (head === undefined) return undefined;
  if (head === null) {
    if (report.records > 0) report.warnings.push("no head was found: records cut from the end cannot be detected");
    return undefined;
  }
  if (key && !headMacMatches(head, key)) {
    return { code: "CORTEX_LEDGER_FORGED", message: "the head is forged: its MAC is not valid under the server key" };
  }
  if (head.seq > report.lastSeq) {
    return {
      code: "CORTEX_LEDGER_TRUNCATED",
      seq: report.lastSeq + 1,
      message: `the ledger ends at record ${report.lastSeq} but its head names record ${head.seq}: records were cut from the end`,
    };
  }
  if (head.seq > 0 && (headHash === undefined || !sameDigest(headHash, head.hash))) {
    return {
      code: "CORTEX_LEDGER_EDITED",
      seq: head.seq,
      message: `record ${head.seq} is not the record the head names: the chain was rewritten`,
    };
  }
  if (head.seq < report.lastSeq) {
    report.warnings.push(
      `the head names record ${head.seq}, not the last one (${report.lastSeq}): a write ended before the head was updated`,
    );
  }
  return undefined;
}
