import { EnvBroker, PLUGIN_NAME_PATTERN, type ActionTier, type CredentialBroker } from "@cortex/plugins";
import { consoleLogger, isLogger, isPlainObject, isTimeLimit, type Logger } from "@cortex/primitives";
import { MCP_DEFAULTS } from "../defaults.js";
import { InvalidOptionsError } from "../errors.js";
import { isTier } from "../tiers.js";

/** One credential an MCP server needs, from the broker into its environment or an HTTP header. */
export interface McpCredential {
  /** What it is, for `cortex plugins` and error messages. */
  readonly description: string;
  /** Whether the value is a secret (redacted everywhere). Default `true`. */
  readonly secret?: boolean;
  /** Whether the server cannot start without it. Default `true`; a missing optional one is left out. */
  readonly required?: boolean;
  /** Environment variable of the child process that receives it (stdio servers). */
  readonly env?: string;
  /** HTTP header that receives it (HTTP servers). */
  readonly header?: string;
  /** How the value is written, `{value}` standing for it, e.g. `"Bearer {value}"`. Default `"{value}"`. */
  readonly format?: string;
}

/** Options of `mcpServerPlugin`: exactly one of `command` (stdio) and `url` (Streamable HTTP). */
export interface McpServerPluginOptions {
  /** The plugin name (`^[a-z][a-z0-9_-]*$`, no `__`); tools become `<name>__<action>`. */
  readonly name: string;
  /** Plugin version; default the server's own version. */
  readonly version?: string;
  /** Plugin description; default the server's title or name. */
  readonly description?: string;
  /** Program that runs a stdio server; `"node"` means the running Node (`process.execPath`). */
  readonly command?: string;
  /** Its arguments. */
  readonly args?: readonly string[];
  /** Environment variables for the child, added to a small safe default (HOME, PATH, …); the host's own environment is not passed on. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working folder of the child. */
  readonly cwd?: string;
  /** Streamable HTTP endpoint of a remote server. */
  readonly url?: string;
  /** Headers sent with every HTTP request (not secrets: declare those in `credentials`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Credentials the broker supplies, by key; declared on the plugin so the registry hands out only these. */
  readonly credentials?: Readonly<Record<string, McpCredential>>;
  /** Explicit tiers by tool name (or action name); an entry always wins. */
  readonly tiers?: Readonly<Record<string, ActionTier>>;
  /** Tier of every tool without an entry that does not qualify for AUTO. Default CONFIRM. */
  readonly defaultTier?: ActionTier;
  /** Let `readOnlyHint: true` (without `destructiveHint: true`) make a tool AUTO. Default `true`; `false` forbids it. */
  readonly trustAnnotations?: boolean;
  /** Start and initialize handshake. Default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** One tool call. Default 60 000 ms. */
  readonly callTimeoutMs?: number;
  /** One ping. Default 5 000 ms. */
  readonly pingTimeoutMs?: number;
  /** Grace before a child is signalled on close (twice: then SIGTERM, then SIGKILL). Default 2 000 ms. */
  readonly closeTimeoutMs?: number;
  /** Restarts in a row after a crash or hang before calls fail fast. Default 3. */
  readonly maxRestarts?: number;
  /** First restart delay, doubled per restart in a row. Default 250 ms. */
  readonly restartBackoffMs?: number;
  /** Longest restart delay, and the fail-fast period once `maxRestarts` is used up. Default 30 000 ms. */
  readonly restartBackoffMaxMs?: number;
  /** JSON characters a result's `data` may take before it is cut. Default 100 000. */
  readonly maxResultChars?: number;
  /** Keep base64 payloads of images, audio and blobs in results. Default `false` (their size is reported). */
  readonly includeBinary?: boolean;
  /** Credentials for `preload` (listing the tools before setup; setup uses the broker it is given). Default `new EnvBroker()`. */
  readonly broker?: CredentialBroker;
  /** Where the plugin logs (the server's stderr at debug level). Default `consoleLogger`. */
  readonly logger?: Logger;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly name: string;
  readonly version: string | undefined;
  readonly description: string | undefined;
  readonly stdio?: { command: string; args: string[]; env: Record<string, string>; cwd: string | undefined };
  readonly http?: { url: string; headers: Record<string, string> };
  readonly credentials: Readonly<Record<string, McpCredential>>;
  readonly tiers: Readonly<Record<string, ActionTier>>;
  readonly defaultTier: ActionTier;
  readonly trustAnnotations: boolean;
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly pingTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly maxRestarts: number;
  readonly restartBackoffMs: number;
  readonly restartBackoffMaxMs: number;
  readonly maxResultChars: number;
  readonly includeBinary: boolean;
  readonly broker: CredentialBroker;
  readonly logger: Logger;
}

const bad = (option: string, message: string) => new InvalidOptionsError(option, `mcpServerPlugin: ${message}`);

function stringRecord(value: unknown, option: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw bad(option, `${option} must be an object of strings`);
  }
  return { ...(value as Record<string, string>) };
}

function limit(options: McpServerPluginOptions, key: keyof typeof MCP_DEFAULTS & keyof McpServerPluginOptions): number {
  const value: unknown = options[key];
  if (value === undefined) return MCP_DEFAULTS[key] as number;
  if (!isTimeLimit(value)) throw bad(key, `${key} must be a number > 0 or Infinity; got ${JSON.stringify(value)}`);
  return value;
}

function count(value: unknown, option: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw bad(option, `${option} must be an integer >= ${min}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkCredentials(value: unknown, http: boolean): Record<string, McpCredential> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw bad("credentials", "credentials must be an object");
  for (const [key, raw] of Object.entries(value)) {
    const option = `credentials.${key}`;
    if (!isPlainObject(raw) || typeof raw.description !== "string") throw bad(option, `${option} needs a description`);
    const target = http ? raw.header : raw.env;
    if (typeof target !== "string" || target === "") {
      throw bad(
        option,
        `${option} needs ${http ? "a header name (HTTP server)" : "an env variable name (stdio server)"}`,
      );
    }
    if (raw.format !== undefined && (typeof raw.format !== "string" || !raw.format.includes("{value}"))) {
      throw bad(option, `${option}.format must contain {value}`);
    }
  }
  return value as Record<string, McpCredential>;
}

/** Checks every option and fills in defaults; throws `CORTEX_INVALID_OPTIONS` naming the first bad one. */
export function resolveOptions(options: McpServerPluginOptions): ResolvedOptions {
  if (!isPlainObject(options)) throw bad("options", "options must be an object");
  const { name, command, url } = options;
  if (typeof name !== "string" || !PLUGIN_NAME_PATTERN.test(name) || name.includes("__")) {
    throw bad("name", `name must match ${String(PLUGIN_NAME_PATTERN)} without "__"; got ${JSON.stringify(name)}`);
  }
  if ((command === undefined) === (url === undefined))
    throw bad("command", "give exactly one of command (stdio) and url (HTTP)");
  if (command !== undefined && (typeof command !== "string" || command === ""))
    throw bad("command", "command must be a non-empty string");
  if (
    url !== undefined &&
    (typeof url !== "string" || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
  ) {
    throw bad("url", `url must be an http(s) URL; got ${JSON.stringify(url)}`);
  }
  if (options.args !== undefined && (!Array.isArray(options.args) || options.args.some((a) => typeof a !== "string"))) {
    throw bad("args", "args must be an array of strings");
  }
  const tiers = options.tiers ?? {};
  if (!isPlainObject(tiers) || !Object.values(tiers).every(isTier))
    throw bad("tiers", "tiers must map tool names to AUTO, CONFIRM or ADMIN");
  const defaultTier = options.defaultTier ?? MCP_DEFAULTS.defaultTier;
  if (!isTier(defaultTier))
    throw bad("defaultTier", `defaultTier must be AUTO, CONFIRM or ADMIN; got ${String(defaultTier)}`);
  if (options.trustAnnotations !== undefined && typeof options.trustAnnotations !== "boolean") {
    throw bad("trustAnnotations", "trustAnnotations must be a boolean");
  }
  if (options.logger !== undefined && !isLogger(options.logger))
    throw bad("logger", "logger must have debug, info, warn and error");
  if (options.broker !== undefined && typeof options.broker?.get !== "function")
    throw bad("broker", "broker must have get(key)");
  for (const key of ["version", "description", "cwd"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "string") throw bad(key, `${key} must be a string`);
  }
  const maxResultChars = count(options.maxResultChars, "maxResultChars", MCP_DEFAULTS.maxResultChars, 1_000);
  return {
    name,
    version: options.version,
    description: options.description,
    ...(command !== undefined
      ? {
          stdio: {
            command: command === "node" ? process.execPath : command,
            args: [...((options.args as readonly string[] | undefined) ?? [])],
            env: stringRecord(options.env, "env"),
            cwd: options.cwd,
          },
        }
      : { http: { url: url!, headers: stringRecord(options.headers, "headers") } }),
    credentials: checkCredentials(options.credentials, url !== undefined),
    tiers: { ...tiers },
    defaultTier,
    trustAnnotations: options.trustAnnotations ?? MCP_DEFAULTS.trustAnnotations,
    connectTimeoutMs: limit(options, "connectTimeoutMs"),
    callTimeoutMs: limit(options, "callTimeoutMs"),
    pingTimeoutMs: limit(options, "pingTimeoutMs"),
    closeTimeoutMs: limit(options, "closeTimeoutMs"),
    maxRestarts: count(options.maxRestarts, "maxRestarts", MCP_DEFAULTS.maxRestarts, 0),
    restartBackoffMs: limit(options, "restartBackoffMs"),
    restartBackoffMaxMs: limit(options, "restartBackoffMaxMs"),
    maxResultChars,
    includeBinary: options.includeBinary === true,
    broker: options.broker ?? new EnvBroker(),
    logger: options.logger ?? consoleLogger,
  };
}

/** The SDK caps request timeouts to what a timer can hold; `Infinity` means "as long as a timer can wait". */
export function sdkTimeout(ms: number): number {
  return Math.min(ms, 2_147_483_647);
}
