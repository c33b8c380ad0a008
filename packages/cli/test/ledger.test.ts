import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { JsonlLedger, LEDGER_VERIFY_OPTIONS } from "@cortex/server";
import { describe, expect, it } from "vitest";
import { ledgerCommand } from "../src/commands/ledger.js";
import { cortex, tempDir } from "./helpers.js";

const KEY = "k".repeat(16) + "test-server-key!";

/** A signed ledger of three votes, at `path`. */
async function ledgerAt(path: string): Promise<void> {
  const ledger = new JsonlLedger({ path, key: KEY });
  for (let n = 1; n <= 3; n++) {
    await ledger.append(`cp_${n}`, () => [
      {
        kind: "vote",
        checkpointId: `cp_${n}`,
        approvalId: `${n}`.padStart(64, "a"),
        runId: `run_${n}`,
        agentId: "writer",
        plugin: "files",
        action: "delete",
        tier: "ADMIN",
        principal: { id: `person${n}`, roles: ["admin"] },
        decision: "approve",
        reason: `reason ${n}`,
      },
    ]);
  }
  await ledger.close();
}

describe("cortex ledger verify", () => {
  it("declares the flags of @cortex/server's ledger verify, so its help works before the package is installed", () => {
    expect(ledgerCommand.options).toEqual(LEDGER_VERIFY_OPTIONS);
  });

  it("exits 0 for an intact ledger (the default file, or one named), checking MACs with the key", async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, ".cortex"));
    await ledgerAt(join(cwd, ".cortex/approvals.ledger.jsonl"));
    const plain = await cortex(["ledger", "verify"], { cwd });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/approvals\.ledger\.jsonl: 3 records, intact; last 3 [0-9a-f]{64}\n$/);
    await writeFile(join(cwd, "server.key"), KEY);
    const keyed = await cortex(["ledger", "verify", ".cortex/approvals.ledger.jsonl", "--key-file", "server.key"], {
      cwd,
    });
    expect(keyed.code).toBe(0);
    expect(keyed.stdout).toContain("3 records, intact; last 3");
    expect(keyed.stdout).toContain("every MAC checked");
    const json = await cortex(["ledger", "verify", "--json"], { cwd, env: { CORTEX_SERVER_KEY: KEY } });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, records: 3, lastSeq: 3, signed: true });
  });

  it("exits 1 naming the first edited record and where it is", async () => {
    const cwd = await tempDir();
    const file = join(cwd, "approvals.jsonl");
    await ledgerAt(file);
    const lines = (await readFile(file, "utf8")).split("\n");
    lines[1] = lines[1]!.replace('"reason 2"', '"reason two"');
    await writeFile(file, lines.join("\n"));
    const edited = await cortex(["ledger", "verify", "approvals.jsonl"], { cwd });
    expect(edited.code).toBe(1);
    expect(edited.stderr).toMatch(/^error \[CORTEX_LEDGER_EDITED\]: .*\(line 2\)$/m);
    expect(edited.stderr).toContain("1 records before it are intact");
    expect(edited.stdout).toBe("");
  });

  it("exits 1 for a ledger that is not there, and 2 for a bad command line", async () => {
    const cwd = await tempDir();
    const missing = await cortex(["ledger", "verify", "nowhere.jsonl"], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error \[CORTEX_INVALID_OPTIONS\]: no ledger at .*nowhere\.jsonl/m);
    const unknown = await cortex(["ledger", "check"], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error \[CORTEX_CLI_USAGE\]: unknown ledger command "check"; ledger has: verify$/m);
    const extra = await cortex(["ledger", "verify", "a", "b"], { cwd });
    expect(extra.code).toBe(2);
    const help = await cortex(["--help"]);
    expect(help.stdout).toMatch(/^ {2}ledger +Check the approval ledger/m);
  });
});
