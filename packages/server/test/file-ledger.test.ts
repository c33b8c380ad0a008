import { appendFile, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonlLedger, LedgerTamperedError, type CallRecord, type LedgerEntry } from "../src/index.js";
import { callFor, ledgerWith, linesOf, useTempDirs, voteOn, writeLines } from "./support/ledger.js";
import { raceProcesses } from "./support/processes.js";

const KEY = "a-server-key-of-at-least-32-bytes!!";
const tempDir = useTempDirs();

const decisionOn = (n: number, approvals: string[]): LedgerEntry => ({
  ...callFor(n),
  kind: "decision",
  principal: { id: approvals.at(-1)!, roles: ["admin"] },
  decision: "approved",
  reason: null,
  approvals,
  quorum: 2,
});

async function fresh(key: string | undefined = KEY) {
  const dir = await tempDir();
  const path = join(dir, "nested", "approvals.ledger.jsonl");
  return { path, ledger: new JsonlLedger({ path, ...(key ? { key } : {}) }) };
}

describe("JsonlLedger", () => {
  it("appends chained records, gives each checkpoint's history and decision back, and pages newest first", async () => {
    const { path, ledger } = await fresh();
    const [first] = await ledger.append("cp_1", (history) => {
      expect(history).toEqual([]);
      return [voteOn(1, "alice")];
    });
    expect(first).toMatchObject({ v: 1, seq: 1, kind: "vote", checkpointId: "cp_1", principal: { id: "alice" } });
    await ledger.append("cp_2", () => [voteOn(2, "bob", "deny", "no")]);
    const appended = await ledger.append("cp_1", (history) => {
      expect(history.map((record) => record.seq)).toEqual([1]);
      return [voteOn(1, "bob"), decisionOn(1, ["alice", "bob"])];
    });
    expect(appended.map((record) => [record.seq, record.kind])).toEqual([
      [3, "vote"],
      [4, "decision"],
    ]);
    expect(appended[1]!.prev).toBe(appended[0]!.hash);
    expect((await ledger.history("cp_1")).map((record) => record.seq)).toEqual([1, 3, 4]);
    const decisions = await ledger.decisions(["cp_1", "cp_2", "cp_9"]);
    expect([...decisions.keys()]).toEqual(["cp_1"]);
    expect(decisions.get("cp_1")).toMatchObject({ seq: 4, decision: "approved", approvals: ["alice", "bob"] });
    const page = await ledger.list({ limit: 3 });
    expect(page.items.map((record) => record.seq)).toEqual([4, 3, 2]);
    expect(page.nextBefore).toBe(2);
    expect((await ledger.list({ before: page.nextBefore!, limit: 3 })).items.map((record) => record.seq)).toEqual([1]);
    expect(await ledger.head()).toMatchObject({ seq: 4, hash: appended[1]!.hash });
    expect(await ledger.verify()).toMatchObject({ ok: true, records: 4, signed: true });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(`${path}.head`, "utf8"))).toMatchObject({ seq: 4, hash: appended[1]!.hash });
  });

  it("appends nothing when the plan throws or returns nothing", async () => {
    const { ledger } = await fresh();
    await ledger.append("cp_1", () => [voteOn(1, "alice")]);
    await expect(
      ledger.append("cp_1", () => {
        throw new Error("already voted");
      }),
    ).rejects.toThrow("already voted");
    expect(await ledger.append("cp_1", () => [])).toEqual([]);
    expect((await ledger.head()).seq).toBe(1);
  });

  it("keeps votes across instances: a restarted server reads them back, and sees what another one appended", async () => {
    const { path, ledger } = await fresh();
    const other = new JsonlLedger({ path, key: KEY });
    await ledger.append("cp_1", () => [voteOn(1, "alice")]);
    await other.append("cp_1", (history) => {
      expect(history.map((record) => (record as CallRecord & { kind: "vote" }).principal.id)).toEqual(["alice"]);
      return [voteOn(1, "bob")];
    });
    expect((await ledger.history("cp_1")).length).toBe(2);
    const restarted = new JsonlLedger({ path, key: KEY });
    expect((await restarted.history("cp_1")).map((record) => record.seq)).toEqual([1, 2]);
  });

  it("keeps the chain whole under concurrent appends from two instances in one process", async () => {
    const { path, ledger } = await fresh();
    const other = new JsonlLedger({ path, key: KEY });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? ledger : other).append(`cp_${i}`, () => [voteOn(i, "x")])),
    );
    expect(await ledger.verify()).toMatchObject({ ok: true, records: 60 });
  });

  it("serves reads while it appends without indexing a record twice", async () => {
    const { ledger } = await fresh();
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(ledger.append(`cp_${i}`, () => [voteOn(i, "x")]));
      work.push(ledger.history(`cp_${i}`), ledger.head(), ledger.list({ limit: 5 }));
    }
    await Promise.all(work);
    expect(await ledger.head()).toMatchObject({ seq: 20 });
    expect((await ledger.list({ limit: 100 })).items.map((record) => record.seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => 20 - i),
    );
    expect(await ledger.verify()).toMatchObject({ ok: true, records: 20 });
  });

  it("keeps the chain whole under concurrent appends from three processes", async () => {
    const { path, ledger } = await fresh();
    await ledger.append("cp_0", () => [voteOn(0, "first")]);
    const results = await raceProcesses<{ pid: number; appended: number }>(
      "ledger-writer.ts",
      (i) => ["file", path, "40", "abc"[i]!, KEY],
      3,
    );
    expect(new Set(results.map((result) => result.pid)).size).toBe(3);
    const report = await ledger.verify();
    expect(report).toMatchObject({ ok: true, records: 121, lastSeq: 121 });
    expect((await ledger.head()).seq).toBe(121);
  });

  it("cuts off a last line torn by a crash and records the repair, so the chain stays verifiable", async () => {
    const { path, ledger } = await fresh();
    await ledger.append("cp_1", () => [voteOn(1, "alice")]);
    const torn = '{"v":1,"seq":2,"prev":"ab';
    await appendFile(path, torn);
    const reopened = new JsonlLedger({ path, key: KEY });
    expect((await reopened.verify()).problem?.code).toBe("CORTEX_LEDGER_TRUNCATED");
    const appended = await reopened.append("cp_2", () => [voteOn(2, "bob")]);
    expect(appended.map((record) => record.seq)).toEqual([3]);
    const [, repair] = (await linesOf(path)).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(repair).toMatchObject({ seq: 2, kind: "repair", removedBytes: Buffer.byteLength(torn) });
    expect(await reopened.verify()).toMatchObject({ ok: true, records: 3 });
  });

  it("refuses to decide from a ledger that was tampered with (fail-closed)", async () => {
    const dir = await tempDir();
    const path = await ledgerWith(dir, 3, KEY);
    const lines = await linesOf(path);
    await writeLines(path, [lines[0]!, lines[1]!.replace('"reason 2"', '"edited"'), lines[2]!]);
    const ledger = new JsonlLedger({ path, key: KEY });
    await expect(ledger.history("cp_1")).rejects.toBeInstanceOf(LedgerTamperedError);
    await expect(ledger.append("cp_4", () => [voteOn(4, "x")])).rejects.toMatchObject({
      code: "CORTEX_LEDGER_TAMPERED",
      problem: { code: "CORTEX_LEDGER_EDITED", seq: 2 },
    });
  });

  it("notices a record changed or cut after it was read, and a wrong key at open", async () => {
    const dir = await tempDir();
    const path = await ledgerWith(dir, 3, KEY);
    const ledger = new JsonlLedger({ path, key: KEY });
    expect((await ledger.history("cp_2")).length).toBe(1);
    const lines = await linesOf(path);
    await writeLines(path, [lines[0]!, lines[1]!.replace('"person2"', '"person9"'), lines[2]!]);
    await expect(ledger.history("cp_2")).rejects.toMatchObject({
      code: "CORTEX_LEDGER_TAMPERED",
      problem: { code: "CORTEX_LEDGER_EDITED", seq: 2 },
    });
    await writeLines(path, lines.slice(0, 2));
    await expect(ledger.history("cp_1")).rejects.toMatchObject({ problem: { code: "CORTEX_LEDGER_REMOVED" } });
    await writeLines(path, lines);
    const wrongKey = new JsonlLedger({ path, key: "another-key-that-is-32-bytes-long!!" });
    await expect(wrongKey.head()).rejects.toMatchObject({ problem: { code: "CORTEX_LEDGER_FORGED" } });
    await writeFile(`${path}.head`, JSON.stringify({ seq: 9, hash: "0".repeat(64) }));
    const unsigned = new JsonlLedger({ path });
    await expect(unsigned.head()).rejects.toMatchObject({ problem: { code: "CORTEX_LEDGER_TRUNCATED" } });
  });

  it("refuses options it cannot use", () => {
    expect(() => new JsonlLedger({ path: "" })).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option: "path" }) as Error,
    );
    expect(() => new JsonlLedger({ path: "x", key: "short" })).toThrow(RangeError);
    expect(() => new JsonlLedger({ path: "x", lockTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ option: "lockTimeoutMs" }) as Error,
    );
  });
});
