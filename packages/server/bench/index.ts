/**
 * What the approval server adds on its paths, each beside a baseline
 * measured in this process: an append to the JSONL ledger (lock, catch-up,
 * one O_APPEND write and an fsync, the head) beside a bare append and
 * fsync of the same line; verifying a signed ledger (hash and MAC of every
 * record) beside parsing its lines; authenticating a bearer token among
 * 100 principals (constant-time against every hash) beside one sha256.
 * Missed targets are printed, not fatal: shared machines are noisy.
 */
import { createHash } from "node:crypto";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bench } from "tinybench";
import { TokenTable } from "../src/auth/tokens.js";
import { hashToken, JsonlLedger, newToken, verifyLedgerFile, type LedgerEntry } from "../src/index.js";

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1_000);
const KEY = "a-bench-server-key-of-32-bytes-or-more";
const RECORDS = 2_000;

const vote = (n: number): LedgerEntry => ({
  kind: "vote",
  checkpointId: `cp_${n}`,
  approvalId: createHash("sha256").update(String(n)).digest("hex"),
  runId: `run_${n}`,
  agentId: "writer",
  plugin: "files",
  action: "delete",
  tier: "ADMIN",
  principal: { id: "alice", roles: ["admin"] },
  decision: "approve",
  reason: "looks right",
});

interface Row {
  name: string;
  ours: number;
  baseline: number;
  target: number;
}

async function measure(ours: () => unknown, baseline: () => unknown): Promise<[number, number]> {
  const bench = new Bench({ time: TIME_MS, warmupTime: 100 });
  bench.add("ours", ours).add("baseline", baseline);
  await bench.run();
  const [a, b] = bench.tasks.map((task) => {
    const result = task.result as { latency?: { mean: number } } | undefined;
    return result?.latency?.mean ?? Number.NaN;
  });
  return [a!, b!];
}

const dir = await mkdtemp(join(tmpdir(), "cortex-server-bench-"));
const rows: Row[] = [];
try {
  const ledger = new JsonlLedger({ path: join(dir, "ledger.jsonl"), key: KEY });
  const raw = await open(join(dir, "raw.jsonl"), "a");
  const line = `${JSON.stringify(vote(0))}\n`;
  let n = 0;
  const [append, bare] = await measure(
    () => ledger.append(`cp_${++n}`, () => [vote(n)]),
    async () => {
      await raw.appendFile(line);
      await raw.datasync();
    },
  );
  await raw.close();
  rows.push({
    name: "ledger append (lock, fsync, head) vs appendFile + fsync",
    ours: append,
    baseline: bare,
    target: 4,
  });

  const signed = new JsonlLedger({ path: join(dir, "signed.jsonl"), key: KEY });
  for (let i = 0; i < RECORDS; i += 100)
    await signed.append(`cp_${i}`, () => Array.from({ length: 100 }, (_, k) => vote(i + k)));
  const text = await readFile(join(dir, "signed.jsonl"), "utf8");
  const [verify, parse] = await measure(
    async () => {
      const report = await verifyLedgerFile(join(dir, "signed.jsonl"), KEY);
      if (!report.ok || report.records !== RECORDS) throw new Error("the bench ledger should verify");
    },
    async () => {
      const body = await readFile(join(dir, "signed.jsonl"), "utf8");
      for (const each of body.split("\n")) if (each) JSON.parse(each);
      return text.length;
    },
  );
  rows.push({
    name: `verify ${RECORDS} signed records vs read + JSON.parse them`,
    ours: verify,
    baseline: parse,
    target: 15,
  });

  const tokens = Array.from({ length: 100 }, () => newToken());
  const table = new TokenTable(tokens.map((token, i) => ({ id: `p${i}`, roles: [], tokenSha256: hashToken(token) })));
  const presented = tokens[57]!;
  const [auth, sha] = await measure(
    () => table.authenticate(presented),
    () => createHash("sha256").update(presented).digest(),
  );
  rows.push({ name: "authenticate a token among 100 principals vs one sha256", ours: auth, baseline: sha, target: 10 });

  console.log("\n@cortex/server — mean time per operation, ours beside its baseline");
  for (const row of rows) {
    const ratio = row.ours / row.baseline;
    const flag = ratio <= row.target ? "ok" : `MISSED (target ≤ ${row.target}x)`;
    console.log(
      `${row.name}: ${row.ours.toFixed(3)} ms vs ${row.baseline.toFixed(3)} ms = ${ratio.toFixed(2)}x ${flag}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
