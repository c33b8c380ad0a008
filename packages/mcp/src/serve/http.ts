import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { messageOf } from "@cortex/primitives";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { McpServeError } from "../errors.js";
import { checkRequest, createGuard, type HttpGuard } from "./http-guard.js";
import { createSessionServer, type SessionShared } from "./session.js";

/** Where and how the HTTP transport listens. */
export interface HttpSettings {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly token: string | undefined;
  readonly allowedHosts: readonly string[] | undefined;
  readonly allowedOrigins: readonly string[] | undefined;
  readonly maxBodyBytes: number;
  readonly maxSessions: number;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly close: () => Promise<void>;
  /** When it last received a request: the least recently used session is closed when the server is full. */
  lastSeen: number;
}

const reply = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }));
};

function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new McpServeError(`request body is larger than ${limit} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch (error) {
        reject(new McpServeError(`request body is not JSON: ${messageOf(error)}`));
      }
    });
    req.on("error", reject);
  });
}

/** A running Streamable HTTP endpoint with one MCP session per `mcp-session-id`. */
export class HttpEndpoint {
  readonly #server: HttpServer;
  readonly #sessions = new Map<string, Session>();
  readonly #shared: SessionShared;
  readonly #settings: HttpSettings;
  #guard: HttpGuard | undefined;

  private constructor(shared: SessionShared, settings: HttpSettings) {
    this.#shared = shared;
    this.#settings = settings;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        shared.logger.error(`MCP HTTP request failed: ${messageOf(error)}`);
        if (!res.headersSent) reply(res, 500, "internal error");
        else res.end();
      });
    });
  }

  /** Listens on `host:port` (port 0 picks a free one). */
  static async listen(shared: SessionShared, settings: HttpSettings): Promise<HttpEndpoint> {
    const endpoint = new HttpEndpoint(shared, settings);
    await new Promise<void>((resolve, reject) => {
      endpoint.#server.once("error", (error) =>
        reject(
          new McpServeError(`cannot listen on ${settings.host}:${settings.port}: ${messageOf(error)}`, {
            cause: error,
          }),
        ),
      );
      endpoint.#server.listen(settings.port, settings.host, () => resolve());
    });
    endpoint.#guard = createGuard(settings.host, endpoint.port, settings);
    return endpoint;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The endpoint's URL. */
  get url(): string {
    const host = this.#settings.host.includes(":") ? `[${this.#settings.host}]` : this.#settings.host;
    return `http://${host}:${this.port}${this.#settings.path}`;
  }

  /** Number of open MCP sessions. */
  get sessions(): number {
    return this.#sessions.size;
  }

  /** Closes every session and the listener. */
  async close(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.close().catch(() => undefined)));
    this.#sessions.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  /** Full: the session idle the longest (clients that vanish without DELETE leave theirs behind) makes room. */
  async #evictOldest(): Promise<void> {
    let oldest: [string, Session] | undefined;
    for (const entry of this.#sessions)
      if (oldest === undefined || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
    if (oldest === undefined) return;
    this.#sessions.delete(oldest[0]);
    this.#shared.logger.warn(
      `MCP session limit (${this.#settings.maxSessions}) reached: closed the session idle the longest`,
    );
    await oldest[1].close().catch(() => undefined);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = checkRequest(this.#guard!, req);
    if (refused) {
      reply(res, refused.status, refused.message, refused.status === 401 ? { "www-authenticate": "Bearer" } : {});
      return;
    }
    if (new URL(req.url ?? "/", "http://localhost").pathname !== this.#settings.path) {
      reply(res, 404, "not found");
      return;
    }
    const id = req.headers["mcp-session-id"];
    if (typeof id === "string") {
      const session = this.#sessions.get(id);
      if (session === undefined) reply(res, 404, "unknown or expired MCP session");
      else {
        session.lastSeen = Date.now();
        await session.transport.handleRequest(req, res);
      }
      return;
    }
    if (req.method !== "POST") {
      reply(res, 400, "no MCP session: start one with an initialize request");
      return;
    }
    let body: unknown;
    try {
      body = await readBody(req, this.#settings.maxBodyBytes);
    } catch (error) {
      reply(res, 400, messageOf(error));
      return;
    }
    if (!isInitializeRequest(body)) {
      reply(res, 400, "no MCP session: start one with an initialize request");
      return;
    }
    if (this.#sessions.size >= this.#settings.maxSessions) await this.#evictOldest();
    await (await this.#open()).transport.handleRequest(req, res, body);
  }

  async #open(): Promise<Session> {
    const id = randomUUID();
    const server = createSessionServer(this.#shared, id);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => id });
    const session: Session = { transport, close: () => server.close(), lastSeen: Date.now() };
    this.#sessions.set(id, session);
    transport.onclose = () => this.#sessions.delete(id);
    await server.connect(transport);
    return session;
  }
}
