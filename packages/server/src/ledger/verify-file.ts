import { readFile } from "node:fs/promises";
import { LedgerTamperedError } from "../errors.js";
import { fileLines } from "../lines.js";
import { toLedgerKey, type LedgerKeyInput } from "./ledger.js";
import { GENESIS_HASH, type LedgerHead } from "./record.js";
import { verifyLines, type LedgerVerification } from "./verify.js";

/** Reads the head file: undefined when there is none, "corrupt" when it is not a head. */
export async function readHead(path: string): Promise<LedgerHead | "corrupt" | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    const head = JSON.parse(text) as LedgerHead;
    if (Number.isSafeInteger(head.seq) && head.seq >= 0 && typeof head.hash === "string") return head;
  } catch {
    // not JSON: corrupt
  }
  return "corrupt";
}

/** The error of a head file that is not a head. */
export const corruptHead = (path: string) =>
  new LedgerTamperedError({ code: "CORTEX_LEDGER_CORRUPT", message: `the head file ${path} is not a ledger head` });

/** Verifies a ledger file and its head file (`<path>.head`) without opening it for appends. */
export async function verifyLedgerFile(path: string, key?: LedgerKeyInput): Promise<LedgerVerification> {
  const resolved = toLedgerKey(key);
  const head = await readHead(`${path}.head`);
  if (head === "corrupt") {
    const { problem } = corruptHead(`${path}.head`);
    return {
      ok: false,
      records: 0,
      lastSeq: 0,
      lastHash: GENESIS_HASH,
      signed: resolved !== undefined,
      problem,
      warnings: [],
    };
  }
  return verifyLines(fileLines(path), { ...(resolved ? { key: resolved } : {}), head: head ?? null });
}
