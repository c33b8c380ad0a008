import { appendFile, readFile, rm, writeFile } from "node:fs/promises";
import { canonicalJson } from "@cortex/plugins";
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, ledgerKey, verifyLedgerFile, verifyLines, type LedgerRecord } from "../src/index.js";
import { ledgerWith, linesOf, useTempDirs, writeLines } from "./support/ledger.js";

const KEY = "a-server-key-of-at-least-32-bytes!!";
const tempDir = useTempDirs();

const parse = (line: string) => JSON.parse(line) as LedgerRecord & Record<string, unknown>;

/** Re-hashes a record after an edit, as someone without the key would (its MAC stays stale). */
function rehash(record: Record<string, unknown>, key?: string): string {
  const { hash: _hash, mac: _mac, ...body } = record;
  const text = canonicalJson(body);
  const hash = createHash("sha256").update(text).digest("hex");
  const mac = key
    ? { mac: createHmac("sha256", key).update(text).digest("hex") }
    : record.mac === undefined
      ? {}
      : { mac: record.mac };
  return canonicalJson({ ...body, hash, ...mac });
}

/** Rewrites the chain from line `from` on, re-hashing each record and chaining it to the one before. */
function rewriteFrom(lines: string[], from: number): string[] {
  const out = [...lines];
  for (let i = from; i < out.length; i++) {
    const record = parse(out[i]!);
    if (i > 0) record.prev = parse(out[i - 1]!).hash;
    out[i] = rehash(record);
  }
  return out;
}

async function signedLedger(count = 5) {
  const dir = await tempDir();
  return ledgerWith(dir, count, KEY);
}

describe("verifyLedgerFile", () => {
  it("reports an intact, signed ledger: every record, its last hash, no warning", async () => {
    const path = await signedLedger();
    const lines = await linesOf(path);
    const report = await verifyLedgerFile(path, KEY);
    expect(report).toEqual({
      ok: true,
      records: 5,
      lastSeq: 5,
      lastHash: parse(lines[4]!).hash,
      signed: true,
      warnings: [],
    });
  });

  it("says what it cannot check without the key", async () => {
    const path = await signedLedger();
    const report = await verifyLedgerFile(path);
    expect(report).toMatchObject({
      ok: true,
      signed: false,
      warnings: ["records carry MACs; give the server key to check them"],
    });
  });

  it("catches an edited record by its hash", async () => {
    const path = await signedLedger();
    const lines = await linesOf(path);
    lines[2] = lines[2]!.replace('"reason 3"', '"reason three"');
    await writeLines(path, lines);
    expect((await verifyLedgerFile(path, KEY)).problem).toEqual({
      code: "CORTEX_LEDGER_EDITED",
      seq: 3,
      line: 3,
      message: "record 3 was edited: its hash does not match its content",
    });
  });

  it("catches an edited record whose hash was recomputed: by its MAC with the key, by the next record's link without", async () => {
    const path = await signedLedger();
    const lines = await linesOf(path);
    const record = parse(lines[2]!);
    record.principal = { id: "mallory", roles: ["admin"] };
    lines[2] = rehash(record);
    await writeLines(path, lines);
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({ code: "CORTEX_LEDGER_FORGED", seq: 3 });
    expect((await verifyLedgerFile(path)).problem).toMatchObject({ code: "CORTEX_LEDGER_EDITED", seq: 3, line: 4 });
  });

  it("catches a removed record, and says which", async () => {
    const path = await signedLedger();
    const lines = await linesOf(path);
    await writeLines(path, [...lines.slice(0, 2), ...lines.slice(3)]);
    expect((await verifyLedgerFile(path, KEY)).problem).toEqual({
      code: "CORTEX_LEDGER_REMOVED",
      seq: 3,
      line: 3,
      message: "record 3 was removed",
    });
    await writeLines(path, [...lines.slice(0, 1), ...lines.slice(3)]);
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({
      code: "CORTEX_LEDGER_REMOVED",
      seq: 2,
      message: "records 2 to 3 were removed",
    });
    await writeLines(path, lines.slice(1));
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({ code: "CORTEX_LEDGER_REMOVED", seq: 1 });
  });

  it("catches reordered records and a copied one", async () => {
    const path = await signedLedger();
    const lines = await linesOf(path);
    await writeLines(path, [lines[0]!, lines[2]!, lines[1]!, lines[3]!, lines[4]!]);
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({
      code: "CORTEX_LEDGER_REORDERED",
      seq: 3,
      line: 2,
      message: "record 3 comes before record 2: records were reordered",
    });
    await writeLines(path, [...lines, lines[1]!]);
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({
      code: "CORTEX_LEDGER_REORDERED",
      seq: 2,
      line: 6,
    });
  });

  it("catches a forged record appended or inserted by someone without the key", async () => {
    const path = await signedLedger();
    const lines = await linesOf(path);
    const forged = parse(lines[4]!);
    forged.seq = 6;
    forged.prev = forged.hash;
    forged.principal = { id: "mallory", roles: ["admin"] };
    await writeLines(path, [...lines, rehash(forged)]);
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({
      code: "CORTEX_LEDGER_FORGED",
      seq: 6,
      message: "record 6 is forged: its MAC is not valid under the server key",
    });
    const unsigned = { ...forged };
    delete unsigned.mac;
    await writeLines(path, [...lines, rehash(unsigned)]);
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({
      code: "CORTEX_LEDGER_FORGED",
      message: "record 6 is forged: it has no MAC",
    });
  });

  it("catches a record signed with another key", async () => {
    const path = await signedLedger(2);
    const report = await verifyLedgerFile(path, "another-key-that-is-32-bytes-long!!");
    expect(report.problem?.code).toBe("CORTEX_LEDGER_FORGED");
    expect(report.problem?.message).toContain("signed with another key");
  });

  it("catches a chain rewritten whole without the key: by the head, or by the MACs once the head is rewritten too", async () => {
    const path = await signedLedger();
    const lines = await linesOf(path);
    const edited = parse(lines[1]!);
    edited.decision = "deny";
    lines[1] = canonicalJson(edited);
    const rewritten = rewriteFrom(lines, 1);
    await writeLines(path, rewritten);
    expect((await verifyLedgerFile(path)).problem).toMatchObject({
      code: "CORTEX_LEDGER_EDITED",
      seq: 5,
      message: "record 5 is not the record the head names: the chain was rewritten",
    });
    const last = parse(rewritten[4]!);
    await writeFile(`${path}.head`, JSON.stringify({ seq: 5, hash: last.hash }));
    // Without the key a whole rewrite cannot be told from the original: that is what the key is for.
    expect(await verifyLedgerFile(path)).toMatchObject({ ok: true });
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({ code: "CORTEX_LEDGER_FORGED", seq: 2 });
  });

  it("catches a cut-off last line and records cut from the end", async () => {
    const path = await signedLedger();
    const text = await readFile(path, "utf8");
    await writeFile(path, text.slice(0, -40));
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({ code: "CORTEX_LEDGER_TRUNCATED", line: 5 });
    const lines = await linesOf(path);
    await writeLines(path, lines.slice(0, 3));
    expect((await verifyLedgerFile(path, KEY)).problem).toEqual({
      code: "CORTEX_LEDGER_TRUNCATED",
      seq: 4,
      message: "the ledger ends at record 3 but its head names record 5: records were cut from the end",
    });
    await rm(path);
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({ code: "CORTEX_LEDGER_TRUNCATED", seq: 1 });
  });

  it("catches a forged head, a head that is not one, and warns when there is none", async () => {
    const path = await signedLedger(3);
    const head = JSON.parse(await readFile(`${path}.head`, "utf8")) as { seq: number; hash: string; mac: string };
    await writeFile(`${path}.head`, JSON.stringify({ ...head, mac: "0".repeat(64) }));
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({
      code: "CORTEX_LEDGER_FORGED",
      message: "the head is forged: its MAC is not valid under the server key",
    });
    await writeFile(`${path}.head`, "{not json");
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({ code: "CORTEX_LEDGER_CORRUPT" });
    await rm(`${path}.head`);
    expect(await verifyLedgerFile(path, KEY)).toMatchObject({
      ok: true,
      warnings: ["no head was found: records cut from the end cannot be detected"],
    });
  });

  it("catches a line that is not a record", async () => {
    const path = await signedLedger(3);
    const lines = await linesOf(path);
    await writeLines(path, [lines[0]!, "garbage", ...lines.slice(1)]);
    expect((await verifyLedgerFile(path, KEY)).problem).toEqual({
      code: "CORTEX_LEDGER_CORRUPT",
      line: 2,
      message: "line 2 is not a ledger record",
    });
    await writeLines(path, [lines[0]!, "", ...lines.slice(1)]);
    expect((await verifyLedgerFile(path, KEY)).problem).toMatchObject({ code: "CORTEX_LEDGER_CORRUPT", line: 2 });
  });

  it("reports an empty or missing ledger as intact", async () => {
    const dir = await tempDir();
    expect(await verifyLedgerFile(`${dir}/none.jsonl`)).toEqual({
      ok: true,
      records: 0,
      lastSeq: 0,
      lastHash: GENESIS_HASH,
      signed: false,
      warnings: [],
    });
    await appendFile(`${dir}/empty.jsonl`, "");
    expect((await verifyLedgerFile(`${dir}/empty.jsonl`)).ok).toBe(true);
  });
});

describe("verifyLines", () => {
  it("verifies records from any source, such as the rows of a table", async () => {
    const path = await signedLedger(3);
    const lines = (await linesOf(path)).map((text, index) => ({ text, line: index + 1, complete: true }));
    expect(await verifyLines(lines, { key: ledgerKey(KEY) })).toMatchObject({ ok: true, records: 3, signed: true });
    expect((await verifyLines([lines[0]!, lines[2]!], { key: ledgerKey(KEY) })).problem?.code).toBe(
      "CORTEX_LEDGER_REMOVED",
    );
  });
});
