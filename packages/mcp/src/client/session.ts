import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ToolListChangedNotificationSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { messageOf, withDeadline, type Logger } from "@cortex/primitives";
import { McpConnectError } from "../errors.js";
import { ChildProcessTransport } from "./child-transport.js";

/** Where a session connects: a child process over stdio, or a Streamable HTTP endpoint. */
export type SessionTarget =
  | {
      readonly kind: "stdio";
      readonly command: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
      readonly cwd?: string | undefined;
    }
  | { readonly kind: "http"; readonly url: string; readonly headers: Readonly<Record<string, string>> };

/** What opening a session needs. */
export interface SessionConfig {
  /** Plugin name, for messages. */
  readonly name: string;
  readonly target: SessionTarget;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly stderrTailChars: number;
  readonly logger: Logger;
  /** Removes credential values from text (stderr, error messages). */
  readonly scrub: (text: string) => string;
  /** The server said its tool list changed. */
  readonly onToolsChanged: () => void;
  /** The connection ended (the child exited, the HTTP session closed) without `close()`. */
  readonly onLost: () => void;
}

const CLIENT_INFO = { name: "cortex", version: "0.0.0" };

/**
 * One initialized MCP client session. Opening starts the server (or
 * connects) and finishes the initialize handshake within
 * `connectTimeoutMs`, or rejects with `CORTEX_MCP_CONNECT_FAILED` and
 * leaves nothing running.
 */
export class McpSession {
  readonly #client: Client;
  readonly #transport: Transport;
  readonly #config: SessionConfig;
  #stderr = "";
  #alive = false;
  #closing = false;

  private constructor(config: SessionConfig) {
    this.#config = config;
    const { target } = config;
    this.#transport =
      target.kind === "stdio"
        ? new ChildProcessTransport({
            command: target.command,
            args: target.args,
            env: target.env,
            cwd: target.cwd,
            closeTimeoutMs: config.closeTimeoutMs,
            onStderr: (text) => this.#onStderr(text),
          })
        : new StreamableHTTPClientTransport(new URL(target.url), { requestInit: { headers: { ...target.headers } } });
    this.#client = new Client(CLIENT_INFO, { capabilities: {} });
    this.#client.onclose = () => {
      const lost = this.#alive && !this.#closing;
      this.#alive = false;
      if (lost) config.onLost();
    };
    this.#client.onerror = (error) =>
      config.logger.debug(`MCP server "${config.name}": ${config.scrub(messageOf(error))}`);
    this.#client.setNotificationHandler(ToolListChangedNotificationSchema, () => config.onToolsChanged());
  }

  /** Starts (or connects to) the server and initializes; rejects with `CORTEX_MCP_CONNECT_FAILED`. */
  static async open(config: SessionConfig): Promise<McpSession> {
    const session = new McpSession(config);
    try {
      await withDeadline(session.#client.connect(session.#transport, { timeout: config.connectTimeoutMs }), {
        timeoutMs: config.connectTimeoutMs,
      });
      session.#alive = true;
      return session;
    } catch (error) {
      // A server that did not finish the handshake is not trusted to exit on its own.
      await session.close(true);
      const where = config.target.kind === "stdio" ? `command "${config.target.command}"` : config.target.url;
      throw new McpConnectError(
        config.name,
        config.scrub(
          `MCP server "${config.name}" (${where}) did not start and initialize within ${config.connectTimeoutMs} ms: ${messageOf(error)}${session.describeExit()}`,
        ),
        { cause: error },
      );
    }
  }

  /** True until the connection is lost or closed. */
  get alive(): boolean {
    return this.#alive;
  }

  /** The server's name and version from the handshake. */
  get serverInfo(): { name: string; version: string; title?: string } | undefined {
    return this.#client.getServerVersion();
  }

  /** The server's instructions from the handshake. */
  get instructions(): string | undefined {
    return this.#client.getInstructions();
  }

  /** The child's pid (stdio only). */
  get pid(): number | undefined {
    return this.#transport instanceof ChildProcessTransport ? this.#transport.pid : undefined;
  }

  /** The last characters the server wrote to stderr, credentials removed. */
  get stderrTail(): string {
    return this.#config.scrub(this.#stderr);
  }

  /** `; exited with code 1; stderr: …` — what is known of how the server ended, for messages. */
  describeExit(): string {
    const exit = this.#transport instanceof ChildProcessTransport ? this.#transport.exit : undefined;
    const how = exit ? `; the process exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`})` : "";
    const tail = this.stderrTail.trim();
    return `${how}${tail ? `; stderr: ${tail.slice(-500)}` : ""}`;
  }

  /** Every tool, following pagination. */
  async listTools(timeoutMs: number): Promise<Tool[]> {
    const tools: Tool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const result = await this.#client.listTools(cursor === undefined ? {} : { cursor }, { timeout: timeoutMs });
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return tools;
  }

  /** Calls a tool; rejects on protocol errors, a timeout, an abort or a lost connection. */
  callTool(name: string, args: Record<string, unknown>, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
    return this.#client.callTool({ name, arguments: args }, undefined, { signal, timeout: timeoutMs });
  }

  /** Resolves when the server answers a ping within `timeoutMs`. */
  async ping(timeoutMs: number): Promise<void> {
    await withDeadline(this.#client.ping({ timeout: timeoutMs }), { timeoutMs });
  }

  /**
   * Closes the session: an HTTP session is ended on the server, a child
   * process (and its group) is ended — gracefully, or with `force` (a server
   * that stopped answering) at once.
   */
  async close(force = false): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#alive = false;
    if (force && this.#transport instanceof ChildProcessTransport) await this.#transport.kill();
    if (this.#transport instanceof StreamableHTTPClientTransport && this.#transport.sessionId !== undefined) {
      await withDeadline(this.#transport.terminateSession(), { timeoutMs: this.#config.closeTimeoutMs }).catch(
        () => undefined,
      );
    }
    await this.#client.close().catch(() => undefined);
    // Client.close closes the transport too; a transport that never connected is closed here.
    await this.#transport.close().catch(() => undefined);
  }

  #onStderr(text: string): void {
    // Kept raw and scrubbed when read, so a credential split across two chunks is still found.
    this.#stderr = (this.#stderr + text).slice(-this.#config.stderrTailChars);
    this.#config.logger.debug(`MCP server "${this.#config.name}" stderr: ${this.#config.scrub(text).trimEnd()}`);
  }
}
