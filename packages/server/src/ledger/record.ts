import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { canonicalJson } from "@cortex/plugins";

/** The `prev` of the first record: 64 zeros. */
export const GENESIS_HASH = "0".repeat(64);

/** Who voted: the principal as the server authenticated it. */
export interface LedgerPrincipal {
  id: string;
  roles: string[];
}

/** The exact call a record is about, as it waited at its checkpoint. */
export interface LedgerCall {
  checkpointId: string;
  /** The registry's digest of plugin, action and parameters: what an approval is bound to. */
  approvalId: string;
  runId: string;
  agentId: string;
  plugin: string;
  action: string;
  tier: string;
}

/** One principal's vote on one checkpoint. */
export interface VoteEntry extends LedgerCall {
  kind: "vote";
  principal: LedgerPrincipal;
  decision: "approve" | "deny";
  reason: string | null;
}

/** The outcome of a checkpoint: approved by a quorum, denied by one vote, or expired. */
export interface DecisionEntry extends LedgerCall {
  kind: "decision";
  /** The principal whose vote decided it; null for an expiry. */
  principal: LedgerPrincipal | null;
  decision: "approved" | "denied" | "expired";
  reason: string | null;
  /** Ids of the principals whose approvals counted. */
  approvals: string[];
  /** Approvals the call needed. */
  quorum: number;
}

/** Written when an append found the end of the file torn by a crash mid-write and cut it off. */
export interface RepairEntry {
  kind: "repair";
  reason: string;
  /** Length and sha256 of the bytes cut off. */
  removedBytes: number;
  removedSha256: string;
}

/** What a caller hands the ledger to append; the ledger adds the chain fields. */
export type LedgerEntry = VoteEntry | DecisionEntry | RepairEntry;

/** The chain fields every record has. */
export interface ChainFields {
  /** Format version. */
  v: 1;
  /** 1, 2, 3… with no gaps. */
  seq: number;
  /** `hash` of the record before (GENESIS_HASH for the first). */
  prev: string;
  /** ISO 8601 time of the append. */
  at: string;
  /** Id of the server key whose MAC the record carries (the first 16 hex digits of its sha256). */
  kid?: string;
}

/** A record as stored: the entry, its chain fields, its hash and (with a server key) its MAC. */
export type LedgerRecord = LedgerEntry &
  ChainFields & {
    /** sha256 (hex) of the canonical JSON of every other field but `mac`. */
    hash: string;
    /** HMAC-SHA256 (hex) with the server key over the same bytes. */
    mac?: string;
  };

/** A vote or decision record (not a repair). */
export type CallRecord = Extract<LedgerRecord, { kind: "vote" | "decision" }>;

/** A server key ready for use: its bytes and its id. */
export interface LedgerKey {
  readonly secret: Buffer;
  readonly id: string;
}

/** A key from its bytes or text (at least 32 bytes: a random key, not a password). */
export function ledgerKey(secret: string | Uint8Array): LedgerKey {
  const bytes = typeof secret === "string" ? Buffer.from(secret, "utf8") : Buffer.from(secret);
  if (bytes.length < 32) throw new RangeError("a ledger key needs at least 32 bytes");
  return { secret: bytes, id: createHash("sha256").update(bytes).digest("hex").slice(0, 16) };
}

/** The bytes a record's hash and MAC cover: every field but `hash` and `mac`, canonical JSON. */
export function signedText(record: Record<string, unknown>): string {
  const { hash: _hash, mac: _mac, ...body } = record;
  return canonicalJson(body);
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");
const hmac = (key: LedgerKey, text: string): string => createHmac("sha256", key.secret).update(text).digest("hex");

/** Turns an entry into the next record of the chain. */
export function seal(
  entry: LedgerEntry,
  chain: { seq: number; prev: string; at: string },
  key?: LedgerKey,
): LedgerRecord {
  const body = { ...entry, v: 1 as const, ...chain, ...(key ? { kid: key.id } : {}) };
  const text = signedText(body);
  return { ...body, hash: sha256(text), ...(key ? { mac: hmac(key, text) } : {}) };
}

/** A record's line in the JSONL file (canonical JSON and a newline). */
export const lineOf = (record: LedgerRecord): string => `${canonicalJson(record)}\n`;

/** Equality of two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Whether a parsed record's hash is the hash of its own fields. */
export function hashMatches(record: Record<string, unknown>): boolean {
  return typeof record.hash === "string" && sameDigest(sha256(signedText(record)), record.hash);
}

/** Whether a parsed record carries a valid MAC under `key`. */
export function macMatches(record: Record<string, unknown>, key: LedgerKey): boolean {
  return typeof record.mac === "string" && sameDigest(hmac(key, signedText(record)), record.mac);
}

/** The head: the last record's seq and hash, with a MAC under the server key when there is one. */
export interface LedgerHead {
  seq: number;
  hash: string;
  mac?: string;
}

const headText = (seq: number, hash: string): string => canonicalJson(["cortex-ledger-head", seq, hash]);

/** A head for the last record, signed when a key is given. */
export function signHead(seq: number, hash: string, key?: LedgerKey): LedgerHead {
  return key ? { seq, hash, mac: hmac(key, headText(seq, hash)) } : { seq, hash };
}

/** Whether a head's MAC is valid under `key`. */
export function headMacMatches(head: LedgerHead, key: LedgerKey): boolean {
  return typeof head.mac === "string" && sameDigest(hmac(key, headText(head.seq, head.hash)), head.mac);
}

/** True for a vote or decision record (not a repair). */
export const isCallRecord = (record: LedgerRecord): record is CallRecord => record.kind !== "repair";
