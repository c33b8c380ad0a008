import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { JsonlLedger, type LedgerCall, type LedgerEntry } from "../../src/index.js";

/** A call for ledger tests: checkpoint `cp_<n>`. */
export const callFor = (n: number): LedgerCall => ({
  checkpointId: `cp_${n}`,
  approvalId: `${n}`.padStart(64, "a"),
  runId: `run_${n}`,
  agentId: "writer",
  plugin: "files",
  action: "delete",
  tier: "ADMIN",
});

/** A vote entry of `who` on checkpoint `n`. */
export const voteOn = (
  n: number,
  who: string,
  decision: "approve" | "deny" = "approve",
  reason: string | null = null,
): LedgerEntry => ({
  ...callFor(n),
  kind: "vote",
  principal: { id: who, roles: ["admin"] },
  decision,
  reason,
});

/** Temp folders for one test file, removed when it ends. */
export function useTempDirs() {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  return async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-ledger-"));
    dirs.push(dir);
    return dir;
  };
}

/** A ledger file with `count` votes, one per checkpoint, signed with `key` when given. */
export async function ledgerWith(dir: string, count: number, key?: string): Promise<string> {
  const path = join(dir, "approvals.ledger.jsonl");
  const ledger = new JsonlLedger({ path, ...(key ? { key } : {}) });
  for (let n = 1; n <= count; n++)
    await ledger.append(`cp_${n}`, () => [voteOn(n, `person${n}`, "approve", `reason ${n}`)]);
  await ledger.close();
  return path;
}

/** The file's lines (without the final empty one). */
export async function linesOf(path: string): Promise<string[]> {
  return (await readFile(path, "utf8")).split("\n").filter((line, index, all) => index < all.length - 1 || line !== "");
}

/** Writes lines back, each with its newline. */
export async function writeLines(path: string, lines: string[]): Promise<void> {
  await writeFile(path, lines.map((line) => `${line}\n`).join(""));
}
