import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { messageOf } from "@cortex/primitives";
import { InvalidOptionsError, ServeUsageError } from "../errors.js";
import { verifyLedgerFile } from "../ledger/verify-file.js";
import type { LedgerVerification } from "../ledger/verify.js";
import { clean, keyFrom, printFailure, type CommandIO, type CommandOption } from "./io.js";
import { openPostgres, POSTGRES_URL_ENV } from "./postgres.js";

/** The default ledger file of `cortex serve` and `cortex ledger verify`, relative to the working folder. */
export const DEFAULT_LEDGER_FILE = ".cortex/approvals.ledger.jsonl";

/** The flags of `cortex ledger verify [file]`. */
export const LEDGER_VERIFY_OPTIONS = {
  postgres: {
    type: "string",
    value: "<url>",
    description: `verify the ledger table of a PostgreSQL store instead of a file (or ${POSTGRES_URL_ENV})`,
  },
  schema: { type: "string", value: "<name>", description: "the store's PostgreSQL schema (default cortex)" },
  "key-file": {
    type: "string",
    value: "<file>",
    description: "the server key, to check every record's MAC (else CORTEX_SERVER_KEY)",
  },
  json: { type: "boolean", description: "print the report as JSON on stdout" },
} as const satisfies Record<string, CommandOption>;

/** `cortex ledger verify` in one line, for help. */
export const LEDGER_VERIFY_USAGE =
  "ledger verify [file] [--postgres <url>] [--schema <name>] [--key-file <file>] [--json]";

/** What the command prints for a report; exit status 0 when the ledger is intact. */
function printReport(io: CommandIO, where: string, report: LedgerVerification, asJson: boolean): number {
  if (asJson) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  for (const warning of report.warnings) io.stderr.write(`warning: ${clean(warning)}\n`);
  if (report.problem) {
    const at = report.problem.line === undefined ? "" : ` (line ${report.problem.line})`;
    io.stderr.write(`error [${report.problem.code}]: ${clean(report.problem.message)}${at}\n`);
    io.stderr.write(`${report.records} records before it are intact\n`);
    return 1;
  }
  if (!asJson)
    io.stdout.write(
      `${clean(where)}: ${report.records} records, intact; last ${report.lastSeq} ${report.lastHash}${report.signed ? "; every MAC checked" : ""}\n`,
    );
  return 0;
}

/**
 * `cortex ledger verify [file]`: reads the whole ledger (a JSONL file, by
 * default `.cortex/approvals.ledger.jsonl`, or the PostgreSQL table) and
 * reports the first edited, removed, reordered, forged or cut-off record.
 * Resolves to the exit status: 0 intact, 1 a problem, 2 bad arguments.
 */
export async function runLedgerVerifyCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: LEDGER_VERIFY_OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new ServeUsageError(messageOf(error));
    }
    const { values, positionals } = parsed;
    if (positionals.length > 1) throw new ServeUsageError("ledger verify takes at most one file");
    const keyFile = values["key-file"];
    const key = await keyFrom(keyFile === undefined ? undefined : resolve(io.cwd, keyFile), io.env);
    const url = values.postgres ?? io.env[POSTGRES_URL_ENV];
    if (url !== undefined && positionals.length === 0) {
      const db = await openPostgres(url, values.schema, key);
      try {
        return printReport(
          io,
          `PostgreSQL ledger (schema ${db.ledger.schema})`,
          await db.ledger.verify(),
          values.json === true,
        );
      } finally {
        await db.close();
      }
    }
    const file = resolve(io.cwd, positionals[0] ?? DEFAULT_LEDGER_FILE);
    // Nothing to verify is not "intact": a wrong path, or a ledger deleted along with its head.
    if (!existsSync(file) && !existsSync(`${file}.head`))
      throw new InvalidOptionsError("file", `no ledger at ${file} (nor its head file): check the path`);
    return printReport(io, file, await verifyLedgerFile(file, key), values.json === true);
  } catch (error) {
    return printFailure(io, error);
  }
}
