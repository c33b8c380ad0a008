import type { Readable, Writable } from "node:stream";
import { randomUUID } from "node:crypto";
import type { HookBus } from "@cortex/hooks";
import type { PluginRegistry, Principal } from "@cortex/plugins";
import { consoleLogger, isTimeLimit, type Logger } from "@cortex/primitives";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { MCP_DEFAULTS } from "../defaults.js";
import { InvalidOptionsError } from "../errors.js";
import { isLoopback } from "./http-guard.js";
import { HttpEndpoint } from "./http.js";
import { createSessionServer, type SessionShared } from "./session.js";
import { setUpUnlisted } from "./tools.js";

/** Options of {@link serveMcp}. */
export interface ServeMcpOptions {
  /** `"stdio"` (default): one session on stdin/stdout. `"http"`: Streamable HTTP on `host:port`. */
  readonly transport?: "stdio" | "http";
  /** HTTP port; `0` (default) picks a free one. */
  readonly port?: number;
  /** HTTP address; default `127.0.0.1`. Any other than a loopback address needs `token`. */
  readonly host?: string;
  /** HTTP path of the endpoint; default `/mcp`. */
  readonly path?: string;
  /** Bearer token every HTTP request must carry (`Authorization: Bearer <token>`). */
  readonly token?: string;
  /** More accepted `Host` header values (`name` or `name:port`), e.g. behind a proxy. */
  readonly allowedHosts?: readonly string[];
  /** More accepted `Origin` values, e.g. `https://app.example.com`. */
  readonly allowedOrigins?: readonly string[];
  /** Open HTTP sessions at most; default 64. When full, the session idle the longest is closed to make room. */
  readonly maxSessions?: number;
  /** Principal every call runs as; ADMIN tools run only when the registry authorizes it (default: role `admin`). */
  readonly principal?: Principal;
  /** Hook bus to emit tool and checkpoint events on, like engine calls (register `AuditExtension`/`MetricsExtension` on it). */
  readonly hooks?: HookBus;
  /** Offer only these plugins or `<plugin>__<action>` tools; default every registered action. */
  readonly tools?: readonly string[];
  /** AUTO tools (`<plugin>__<action>`) to announce as `readOnlyHint: true`, besides actions whose info says `readOnly: true`. */
  readonly readOnly?: readonly string[];
  /** Name and version the server reports; default `cortex` and `0.0.0`. */
  readonly name?: string;
  readonly version?: string;
  /** Longest wait for a user's approval answer; default 10 minutes. */
  readonly elicitationTimeoutMs?: number;
  /** Largest HTTP request body; default 4 MiB. */
  readonly maxBodyBytes?: number;
  /** Streams for stdio; default `process.stdin` and `process.stdout`. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /** Where failures are logged (stderr); default `consoleLogger`. */
  readonly logger?: Logger;
}

/** A running {@link serveMcp}. */
export interface McpServerHandle {
  readonly transport: "stdio" | "http";
  /** The endpoint URL (HTTP). */
  readonly url?: string;
  /** The port (HTTP). */
  readonly port?: number;
  /** Resolves when the server has stopped: `close()`, or stdin ended (stdio). */
  readonly closed: Promise<void>;
  /** Stops serving: closes every session (and the HTTP listener). Does not shut the registry down. */
  close(): Promise<void>;
}

const bad = (option: string, message: string) => new InvalidOptionsError(option, `serveMcp: ${message}`);

function positive(value: unknown, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!isTimeLimit(value)) throw bad(option, `${option} must be a number > 0; got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Serves the registry's actions as MCP tools over stdio or Streamable HTTP.
 * Every call goes through the registry's gate; CONFIRM and ADMIN calls run
 * only after the user approves the exact call through MCP elicitation.
 * Pending plugins that list no action until set up (MCP server plugins)
 * are set up first, so their tools are served; one that fails is logged.
 * Rejects with `CORTEX_INVALID_OPTIONS`, or `CORTEX_MCP_SERVE_FAILED` when
 * the HTTP port cannot be bound.
 */
export async function serveMcp(registry: PluginRegistry, options: ServeMcpOptions = {}): Promise<McpServerHandle> {
  if (typeof options !== "object" || options === null) throw bad("options", "options must be an object");
  if (typeof registry?.listActions !== "function") throw bad("registry", "registry must be a PluginRegistry");
  const transport = options.transport ?? "stdio";
  if (transport !== "stdio" && transport !== "http") throw bad("transport", `transport must be "stdio" or "http"`);
  const shared: SessionShared = {
    registry,
    hooks: options.hooks,
    logger: options.logger ?? consoleLogger,
    principal: options.principal,
    selection: { tools: options.tools, readOnly: options.readOnly },
    serverInfo: { name: options.name ?? "cortex", version: options.version ?? "0.0.0" },
    elicitationTimeoutMs: positive(
      options.elicitationTimeoutMs,
      "elicitationTimeoutMs",
      MCP_DEFAULTS.elicitationTimeoutMs,
    ),
  };
  if (
    options.principal !== undefined &&
    (typeof options.principal.id !== "string" || !Array.isArray(options.principal.roles))
  ) {
    throw bad("principal", "principal must be { id: string, roles: string[] }");
  }
  return transport === "stdio" ? serveStdio(shared, options) : serveHttp(shared, options);
}

async function serveStdio(shared: SessionShared, options: ServeMcpOptions): Promise<McpServerHandle> {
  const stdin = options.stdin ?? process.stdin;
  await setUpUnlisted(shared.registry, shared.selection, shared.logger);
  const server = createSessionServer(shared, `stdio-${randomUUID()}`);
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  const close = async () => {
    await server.close().catch(() => undefined);
    done();
  };
  // The client closing its end of stdin is the end of the session.
  stdin.once("end", () => void close());
  stdin.once("close", () => void close());
  await server.connect(new StdioServerTransport(stdin, options.stdout ?? process.stdout));
  return { transport: "stdio", closed, close };
}

async function serveHttp(shared: SessionShared, options: ServeMcpOptions): Promise<McpServerHandle> {
  const host = options.host ?? MCP_DEFAULTS.host;
  if (typeof host !== "string" || host === "") throw bad("host", "host must be a non-empty string");
  if (!isLoopback(host) && options.token === undefined) {
    throw bad("token", `serving on ${host}, which other machines can reach, needs a token`);
  }
  if (options.token !== undefined && (typeof options.token !== "string" || options.token.length < 16)) {
    throw bad("token", "token must be a string of at least 16 characters");
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw bad("port", `port must be 0–65535; got ${String(port)}`);
  const path = options.path ?? MCP_DEFAULTS.path;
  if (typeof path !== "string" || !path.startsWith("/")) throw bad("path", "path must start with /");
  const maxBodyBytes = positive(options.maxBodyBytes, "maxBodyBytes", MCP_DEFAULTS.maxBodyBytes);
  const maxSessions = positive(options.maxSessions, "maxSessions", MCP_DEFAULTS.maxSessions);
  await setUpUnlisted(shared.registry, shared.selection, shared.logger);
  const endpoint = await HttpEndpoint.listen(shared, {
    host,
    port,
    path,
    token: options.token,
    allowedHosts: options.allowedHosts,
    allowedOrigins: options.allowedOrigins,
    maxBodyBytes,
    maxSessions,
  });
  let done!: () => void;
  const closed = new Promise<void>((resolve) => (done = resolve));
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= endpoint.close().finally(done));
  return { transport: "http", url: endpoint.url, port: endpoint.port, closed, close };
}
