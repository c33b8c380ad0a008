import type { Command, OptionSpec } from "../command.js";
import { UsageError } from "../errors.js";
import { argvOf, loadServer } from "../server-package.js";

// The flags of @cortex/server's LEDGER_VERIFY_OPTIONS, declared here too so
// that the help works before the package is installed; a test keeps the two the same.
const VERIFY_FLAGS: Record<string, OptionSpec> = {
  postgres: {
    type: "string",
    value: "<url>",
    description: "verify the ledger table of a PostgreSQL store instead of a file (or CORTEX_SERVER_POSTGRES_URL)",
  },
  schema: { type: "string", value: "<name>", description: "the store's PostgreSQL schema (default cortex)" },
  "key-file": {
    type: "string",
    value: "<file>",
    description: "the server key, to check every record's MAC (else CORTEX_SERVER_KEY)",
  },
  json: { type: "boolean", description: "print the report as JSON on stdout" },
};

/** `cortex ledger verify [file]`: checks the approval ledger through `@cortex/server`; exit 0 intact, 1 not. */
export const ledgerCommand: Command = {
  name: "ledger",
  summary: "Check the approval ledger of `cortex serve` with `ledger verify` (needs @cortex/server)",
  usage: "ledger verify [file] [--postgres <url>] [--schema <name>] [--key-file <file>] [--json]",
  details:
    "Reads the whole ledger (by default .cortex/approvals.ledger.jsonl, or the PostgreSQL table) and\n" +
    "reports the first edited, removed, reordered, forged or cut-off record. With the server key\n" +
    "(--key-file or CORTEX_SERVER_KEY) every record's MAC is checked too.\n" +
    "Exit status 0 when the ledger is intact, 1 when it is not, 2 for a bad command line.\n" +
    "Needs @cortex/server installed in the project (npm install @cortex/server).",
  options: VERIFY_FLAGS,
  args: { min: 1, max: 2 },
  async run(ctx) {
    const [sub, ...files] = ctx.positionals;
    if (sub !== "verify") throw new UsageError(`unknown ledger command "${sub}"; ledger has: verify`, "ledger");
    const server = await loadServer("ledger verify", ctx.io.cwd);
    return server.runLedgerVerifyCommand(argvOf(ctx.flags, VERIFY_FLAGS, files), ctx.io);
  },
};
