import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runLedgerVerifyCommand, type CommandIO, type LedgerVerification } from "../src/index.js";
import { ledgerWith, linesOf, useTempDirs, writeLines } from "./support/ledger.js";

const KEY = "a-server-key-of-at-least-32-bytes!!";
const tempDir = useTempDirs();

function io(cwd: string, env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CommandIO = {
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    env,
    cwd,
  };
  return { io: value, out: () => out.join(""), err: () => err.join("") };
}

describe("runLedgerVerifyCommand", () => {
  it("reports an intact ledger (the default file), checking MACs with the key from the environment", async () => {
    const cwd = await tempDir();
    const path = await ledgerWith(join(cwd, ".cortex"), 3, KEY);
    const run = io(cwd, { CORTEX_SERVER_KEY: KEY });
    expect(await runLedgerVerifyCommand([], run.io)).toBe(0);
    expect(run.out()).toMatch(new RegExp(`^${path}: 3 records, intact; last 3 [0-9a-f]{64}; every MAC checked\\n$`));
    expect(run.err()).toBe("");
  });

  it("names the first bad record and exits 1", async () => {
    const cwd = await tempDir();
    const path = await ledgerWith(cwd, 4, KEY);
    const lines = await linesOf(path);
    await writeLines(path, [lines[0]!, lines[2]!, lines[1]!, lines[3]!]);
    const run = io(cwd, { CORTEX_SERVER_KEY: KEY });
    expect(await runLedgerVerifyCommand([path], run.io)).toBe(1);
    expect(run.err()).toBe(
      "error [CORTEX_LEDGER_REORDERED]: record 3 comes before record 2: records were reordered (line 2)\n1 records before it are intact\n",
    );
  });

  it("prints the report as JSON, reads the key from a file, and warns without one", async () => {
    const cwd = await tempDir();
    const path = await ledgerWith(cwd, 2, KEY);
    await writeFile(join(cwd, "key"), `${KEY}\n`);
    const signed = io(cwd);
    expect(await runLedgerVerifyCommand([path, "--json", "--key-file", "key"], signed.io)).toBe(0);
    expect(JSON.parse(signed.out())).toMatchObject({
      ok: true,
      records: 2,
      signed: true,
    } satisfies Partial<LedgerVerification>);
    const unsigned = io(cwd);
    expect(await runLedgerVerifyCommand([path], unsigned.io)).toBe(0);
    expect(unsigned.err()).toBe("warning: records carry MACs; give the server key to check them\n");
  });

  it("fails on a ledger that is not there rather than calling it intact", async () => {
    const cwd = await tempDir();
    const run = io(cwd);
    expect(await runLedgerVerifyCommand(["missing.jsonl"], run.io)).toBe(1);
    expect(run.err()).toBe(
      `error [CORTEX_INVALID_OPTIONS]: no ledger at ${join(cwd, "missing.jsonl")} (nor its head file): check the path\n`,
    );
    expect(run.out()).toBe("");
  });

  it("refuses bad arguments and a short key", async () => {
    const cwd = await tempDir();
    const two = io(cwd);
    expect(await runLedgerVerifyCommand(["a", "b"], two.io)).toBe(2);
    expect(two.err()).toBe("error [CORTEX_SERVER_USAGE]: ledger verify takes at most one file\n");
    const short = io(cwd, { CORTEX_SERVER_KEY: "short" });
    expect(await runLedgerVerifyCommand([], short.io)).toBe(1);
    expect(short.err()).toContain(
      "error [CORTEX_INVALID_OPTIONS]: the server key in CORTEX_SERVER_KEY must be at least 32 bytes",
    );
  });
});
