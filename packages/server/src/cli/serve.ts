import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { JsonFileRunStore } from "@cortex/core";
import { messageOf, type Logger } from "@cortex/primitives";
import { hashToken, loadPrincipals, newToken, parsePrincipals } from "../auth/tokens.js";
import { SERVER_DEFAULTS } from "../defaults.js";
import { ServeUsageError } from "../errors.js";
import { JsonlLedger } from "../ledger/file-ledger.js";
import type { ApprovalLedger } from "../ledger/ledger.js";
import type { PendingSource } from "../pending.js";
import type { ApprovalPolicy } from "../policy.js";
import { createApprovalServer } from "../server.js";
import { clean, keyFrom, printFailure, type CommandIO, type CommandOption } from "./io.js";
import { DEFAULT_LEDGER_FILE } from "./ledger-verify.js";
import { openPostgres, POSTGRES_URL_ENV } from "./postgres.js";
import { jsonFile, loadApp, PATHS, readConfig, type Settings } from "./serve-settings.js";

/** The flags of `cortex serve`. */
export const SERVE_OPTIONS = {
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
    description: `use PostgresRunStore and the PostgreSQL ledger (or ${POSTGRES_URL_ENV})`,
  },
  schema: { type: "string", value: "<name>", description: "the PostgreSQL schema (default cortex)" },
  ledger: {
    type: "string",
    value: "<file>",
    description: `the JSONL approval ledger (default ${DEFAULT_LEDGER_FILE}); not used with --postgres`,
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
} as const satisfies Record<string, CommandOption>;

/** `cortex serve` in one line, for help. */
export const SERVE_USAGE =
  "serve --app <module> [--store <dir> | --postgres <url>] [--principals <file>] [--ledger <file>] [--audit <file>]… [--policy <file>] [--port <n>]";

const stderrLogger = (io: CommandIO): Logger => {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    io.stderr.write(
      `[cortex serve ${level}] ${clean(message)}${fields ? ` ${clean(JSON.stringify(fields, (_k, v: unknown) => (v instanceof Error ? v.message : v)))}` : ""}\n`,
    );
  return { debug: () => undefined, info: () => undefined, warn: write("warn"), error: write("error") };
};

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolveWait) => {
    if (signal === undefined) return; // runs until the process ends
    if (signal.aborted) resolveWait();
    else signal.addEventListener("abort", () => resolveWait(), { once: true });
  });
}

/**
 * `cortex serve`: the approval inbox beside an app. Reads the settings
 * (flags, then `--config`, then the defaults), builds the run store, the
 * ledger and the app's engine, listens (127.0.0.1:4747 by default) and
 * prints the URL on stderr. Resolves to the exit status once `io.signal`
 * aborts (the server is closed first): 0, or 1 when it could not start, 2
 * for bad arguments.
 */
export async function runServeCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const closers: (() => Promise<void>)[] = [];
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: SERVE_OPTIONS, allowPositionals: false, strict: true });
    } catch (error) {
      throw new ServeUsageError(messageOf(error));
    }
    const flags = parsed.values;
    if (flags["new-token"] !== undefined) {
      const token = newToken();
      const entry = { id: flags["new-token"], roles: ["approver"], tokenSha256: hashToken(token) };
      parsePrincipals([entry], "--new-token");
      io.stdout.write(`${JSON.stringify({ token, principal: entry }, null, 2)}\n`);
      io.stderr.write(
        "Give the token to its holder; put only the principal entry (with the roles it needs) in the principals file.\n",
      );
      return 0;
    }
    const config = flags.config === undefined ? {} : await readConfig(resolve(io.cwd, flags.config));
    const fromFlags = Object.fromEntries(
      Object.entries(flags).map(([name, value]) => [
        name,
        typeof value === "string" && (PATHS as readonly string[]).includes(name) ? resolve(io.cwd, value) : value,
      ]),
    ) as Settings;
    if (fromFlags.audit) fromFlags.audit = fromFlags.audit.map((path) => resolve(io.cwd, path));
    const settings: Settings = {
      ...config,
      ...Object.fromEntries(Object.entries(fromFlags).filter(([, value]) => value !== undefined)),
    };
    if (settings.app === undefined)
      throw new ServeUsageError("serve needs --app <module>: the engine that resumes runs once they are decided");
    const port = settings.port === undefined ? SERVER_DEFAULTS.port : Number(settings.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      throw new ServeUsageError(`--port must be 0 to 65535; got ${String(settings.port)}`);
    const key = await keyFrom(settings["key-file"], io.env);
    const principals = Array.isArray(settings.principals)
      ? parsePrincipals(settings.principals, "config principals")
      : await loadPrincipals({
          ...(settings.principals === undefined ? {} : { file: settings.principals }),
          env: io.env,
        });
    const policy =
      typeof settings.policy === "string"
        ? ((await jsonFile(settings.policy, "policy")) as ApprovalPolicy)
        : settings.policy;
    const url = settings.postgres ?? io.env[POSTGRES_URL_ENV];
    let store: PendingSource;
    let ledger: ApprovalLedger;
    let where: string;
    if (url !== undefined) {
      const db = await openPostgres(url, settings.schema, key, true);
      closers.push(() => db.close());
      await db.ledger.migrate();
      store = db.store!;
      ledger = db.ledger;
      where = `PostgreSQL (schema ${db.ledger.schema})`;
    } else {
      const dir = settings.store ?? resolve(io.cwd, ".cortex/runs");
      store = new JsonFileRunStore(dir) as unknown as PendingSource;
      const file = settings.ledger ?? resolve(io.cwd, DEFAULT_LEDGER_FILE);
      ledger = new JsonlLedger({ path: file, ...(key ? { key } : {}) });
      where = `store ${dir}, ledger ${file}`;
    }
    const defaultAudit = resolve(io.cwd, ".cortex/audit.jsonl");
    const audit = settings.audit ?? (existsSync(defaultAudit) ? [defaultAudit] : []);
    const { store: appStore, ...app } = await loadApp(settings.app, { runStore: store, env: io.env, cwd: io.cwd });
    if (appStore) where = where.replace(/^store [^,]*/, "the app's store");
    const server = await createApprovalServer({
      store: appStore ?? store,
      ledger,
      principals,
      audit,
      port,
      logger: stderrLogger(io),
      ...app,
      ...(policy ? { policy } : {}),
      ...(settings.host ? { host: settings.host } : {}),
      ...(settings["allowed-host"] ? { allowedHosts: settings["allowed-host"] } : {}),
      ...(settings["secure-cookies"] ? { secureCookies: true } : {}),
    });
    closers.unshift(() => server.close());
    const address = await server.listen();
    io.stderr.write(
      `cortex serve: the approval inbox is at ${address} (${clean(where)}${key ? "; records signed" : ""}). Ctrl+C stops it.\n`,
    );
    await untilAborted(io.signal);
    return 0;
  } catch (error) {
    return printFailure(io, error);
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}
