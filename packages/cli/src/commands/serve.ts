import type { Command, OptionSpec } from "../command.js";
import { argvOf, loadServer } from "../server-package.js";

// The flags of @cortex/server's SERVE_OPTIONS, declared here too so that
// `cortex serve --help` works before the package is installed; a test keeps
// the two the same.
const SERVE_FLAGS: Record<string, OptionSpec> = {
  config: { type: "string", value: "<file>", description: "a JSON file with any of the settings below (flags win)" },
  app: {
    type: "string",
    value: "<module>",
    description: "the module whose default export builds the engine that resumes runs (see the README)",
  },
  store: {
    type: "string",
    value: "<dir>",
    description: "the JsonFileRunStore folder the app pauses runs in (default .cortex/runs)",
  },
  postgres: {
    type: "string",
    value: "<url>",
    description: "use PostgresRunStore and the PostgreSQL ledger (or CORTEX_SERVER_POSTGRES_URL)",
  },
  schema: { type: "string", value: "<name>", description: "the PostgreSQL schema (default cortex)" },
  ledger: {
    type: "string",
    value: "<file>",
    description: "the JSONL approval ledger (default .cortex/approvals.ledger.jsonl); not used with --postgres",
  },
  audit: {
    type: "string",
    multiple: true,
    value: "<file>",
    description: "an audit JSONL file for runs and timelines; repeatable (default .cortex/audit.jsonl)",
  },
  principals: {
    type: "string",
    value: "<file>",
    description: "who may sign in: { principals: [{ id, roles, tokenSha256 }] } (else CORTEX_SERVER_PRINCIPALS)",
  },
  policy: {
    type: "string",
    value: "<file>",
    description: "quorums, voting roles and expiry: { confirm, admin, rules } as JSON",
  },
  "key-file": {
    type: "string",
    value: "<file>",
    description: "the server key that signs every ledger record (else CORTEX_SERVER_KEY)",
  },
  host: { type: "string", value: "<address>", description: "the address to bind (default 127.0.0.1)" },
  port: { type: "string", value: "<port>", description: "the port (default 4747; 0 picks a free one)" },
  "secure-cookies": {
    type: "boolean",
    description: "mark the session cookie Secure (behind an HTTPS proxy; over HTTPS served directly it always is)",
  },
  "allowed-host": {
    type: "string",
    multiple: true,
    value: "<host>",
    description: "a host name the server answers for beside loopback; repeatable",
  },
  "new-token": {
    type: "string",
    value: "<id>",
    description: "print a new token for principal <id> and its principals entry, then exit",
  },
};

/** `cortex serve`: the approval inbox beside an app, run by `@cortex/server` (an optional peer: installed on demand). */
export const serveCommand: Command = {
  name: "serve",
  summary: "Serve the approval inbox, a web page and JSON API to decide paused calls (needs @cortex/server)",
  usage:
    "serve --app <module> [--store <dir> | --postgres <url>] [--principals <file>] [--ledger <file>] [--audit <file>]… [--policy <file>] [--port <n>]",
  details:
    "Listens on 127.0.0.1:4747 by default and prints its URL on stderr; Ctrl+C stops it.\n" +
    "Every request needs a principal's bearer token (or a session signed in with one): make one with\n" +
    "`cortex serve --new-token <id>` and put the printed entry in the principals file.\n" +
    "Decisions are recorded in a hash-chained ledger; `cortex ledger verify` checks it.\n" +
    "Needs @cortex/server installed in the project (npm install @cortex/server); its README has the API.",
  options: SERVE_FLAGS,
  args: { min: 0, max: 0 },
  handlesInterrupt: true,
  async run(ctx) {
    const server = await loadServer("serve", ctx.io.cwd);
    return server.runServeCommand(argvOf(ctx.flags, SERVE_FLAGS), ctx.io);
  },
};
