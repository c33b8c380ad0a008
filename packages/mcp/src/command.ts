import { parseArgs } from "node:util";
import type { HookBus } from "@cortex/hooks";
import { EnvBroker, PluginRegistry, type Logger, type Principal } from "@cortex/plugins";
import { isCortexError, messageOf } from "@cortex/primitives";
import { registerMcpServers } from "./discovery.js";
import { serveMcp, type McpServerHandle, type ServeMcpOptions } from "./serve/serve.js";

/** The process surface `cortex mcp serve` uses; the CLI's `CliIO` fits. */
export interface McpServeIO {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
  /** Credentials (`CORTEX_<KEY>`) and the bearer token variable. */
  readonly env: Record<string, string | undefined>;
  /** Folder whose package.json lists the plugins and MCP servers. */
  readonly cwd: string;
  /** Aborted to stop serving (Ctrl+C); without one, SIGINT and SIGTERM stop it. */
  readonly signal?: AbortSignal;
}

/** What the CLI can hand the command instead of letting it build its own. */
export interface McpServeCommandOptions {
  /** Serve this registry (it is not shut down afterwards); default: the host's plugins and MCP servers, discovered from `io.cwd`. */
  readonly registry?: PluginRegistry;
  /** Hook bus for tool and checkpoint events (register `AuditExtension` on it). */
  readonly hooks?: HookBus;
}

/** Usage of `cortex mcp serve`, for `--help`. */
export const MCP_SERVE_USAGE = `Usage: cortex mcp serve [--http <port>] [options]

Serve the plugins of this project (its package.json dependencies and
cortex.mcpServers) as MCP tools: over stdio by default, over Streamable HTTP
with --http. CONFIRM and ADMIN tools ask the user to approve each exact call
through MCP elicitation; clients without elicitation cannot run them.

Options:
  --http <port>          serve over Streamable HTTP on this port (0: any free port)
  --host <address>       address to bind (default 127.0.0.1; another needs a token)
  --token-env <VAR>      require "Authorization: Bearer <token>", the token read from
                         environment variable VAR (default CORTEX_MCP_TOKEN, when set)
  --principal <id>       run calls as this principal
  --role <role>          a role of the principal (repeatable); "admin" allows ADMIN tools
  --tools <list>         offer only these plugins or <plugin>__<action> tools (comma-separated)
  --read-only <list>     AUTO tools to announce as read-only (comma-separated)
  --allow-origin <url>   also accept this Origin (repeatable)
  --allow-host <host>    also accept this Host header (repeatable)
  -h, --help             print this help
`;

const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);

function stderrLogger(io: McpServeIO): Logger {
  const line = (level: string) => (message: string) => void io.stderr.write(`[cortex mcp] ${level}: ${message}\n`);
  const quiet = () => undefined;
  const debug = io.env.CORTEX_DEBUG ? line("debug") : quiet;
  return { debug, info: debug, warn: line("warn"), error: line("error") };
}

/**
 * `cortex mcp serve [--http <port>]`: `argv` is what follows `mcp serve`.
 * Resolves to the exit code: 0 after a clean stop (stdin closed, or the
 * signal), 2 for bad usage, 1 when serving could not start. Logs and
 * messages go to `io.stderr`; over stdio, `io.stdout` carries only MCP.
 */
export async function runMcpServeCommand(
  argv: readonly string[],
  io: McpServeIO,
  options: McpServeCommandOptions = {},
): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        http: { type: "string" },
        host: { type: "string" },
        "token-env": { type: "string" },
        principal: { type: "string" },
        role: { type: "string", multiple: true },
        tools: { type: "string" },
        "read-only": { type: "string" },
        "allow-origin": { type: "string", multiple: true },
        "allow-host": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    io.stderr.write(`cortex mcp serve: ${messageOf(error)}\n\n${MCP_SERVE_USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.stderr.write(MCP_SERVE_USAGE);
    return 0;
  }
  const port = flags.http === undefined ? undefined : Number(flags.http);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    io.stderr.write(`cortex mcp serve: --http needs a port number (0–65535), got ${JSON.stringify(flags.http)}\n`);
    return 2;
  }
  const tokenVar = flags["token-env"] ?? (io.env.CORTEX_MCP_TOKEN ? "CORTEX_MCP_TOKEN" : undefined);
  const token = tokenVar === undefined ? undefined : io.env[tokenVar];
  if (tokenVar !== undefined && !token) {
    io.stderr.write(`cortex mcp serve: environment variable ${tokenVar} (the bearer token) is not set\n`);
    return 2;
  }
  const principal: Principal | undefined =
    flags.principal === undefined ? undefined : { id: flags.principal, roles: flags.role ?? [] };
  const logger = stderrLogger(io);
  const registry = options.registry ?? (await hostRegistry(io, logger));
  const serveOptions: ServeMcpOptions = {
    ...(port === undefined ? { transport: "stdio" } : { transport: "http", port }),
    ...(flags.host === undefined ? {} : { host: flags.host }),
    ...(token === undefined ? {} : { token }),
    ...(principal ? { principal } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(flags.tools === undefined ? {} : { tools: list(flags.tools) }),
    ...(flags["read-only"] === undefined ? {} : { readOnly: list(flags["read-only"]) }),
    ...(flags["allow-origin"] ? { allowedOrigins: flags["allow-origin"] } : {}),
    ...(flags["allow-host"] ? { allowedHosts: flags["allow-host"] } : {}),
    stdin: io.stdin as NonNullable<ServeMcpOptions["stdin"]>,
    stdout: io.stdout as NonNullable<ServeMcpOptions["stdout"]>,
    logger,
  };
  // Over stdio, stdout carries only MCP: a plugin's console.log would corrupt the stream, so it goes to stderr.
  const restoreConsole = port === undefined ? consoleToStderr() : () => undefined;
  let handle: McpServerHandle;
  try {
    handle = await serveMcp(registry, serveOptions);
  } catch (error) {
    io.stderr.write(`cortex mcp serve: ${isCortexError(error) ? `[${error.code}] ` : ""}${messageOf(error)}\n`);
    if (!options.registry) await registry.shutdown();
    restoreConsole();
    return isCortexError(error) && error.code === "CORTEX_INVALID_OPTIONS" ? 2 : 1;
  }
  const tools = registry.listActions().length;
  io.stderr.write(`cortex mcp: serving ${tools} tool(s) ${handle.url ? `at ${handle.url}` : "over stdio"}\n`);
  await untilStopped(handle, io.signal);
  await handle.close();
  if (!options.registry) await registry.shutdown();
  restoreConsole();
  return 0;
}

/** Sends `console.log`, `info` and `debug` to stderr until the returned function restores them. */
function consoleToStderr(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.info = console.debug = console.error;
  return () => Object.assign(console, saved);
}

async function hostRegistry(io: McpServeIO, logger: Logger): Promise<PluginRegistry> {
  const broker = new EnvBroker({ env: io.env });
  const registry = new PluginRegistry({ broker, logger });
  // The servers are registered below with this package's own code, whether or not the host installed it.
  const plugins = await registry.discoverAndRegister({ cwd: io.cwd, mcpServers: false });
  const servers = await registerMcpServers(registry, { cwd: io.cwd, broker, logger });
  for (const f of [...plugins.failed, ...servers.failed]) {
    logger.warn(
      `${f.plugin ? `plugin "${f.plugin}" of ` : ""}${f.package} could not be loaded: [${f.error.code}] ${f.error.message}`,
    );
  }
  return registry;
}

function untilStopped(handle: McpServerHandle, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      signal?.removeEventListener("abort", stop);
      resolve();
    };
    void handle.closed.then(stop);
    if (signal) {
      if (signal.aborted) stop();
      else signal.addEventListener("abort", stop, { once: true });
    } else {
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    }
  });
}
