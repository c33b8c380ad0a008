import {
  type ActionContext,
  type CredentialBroker,
  type Plugin,
  type PluginActionInfo,
  type PluginHealthReport,
  type PluginResult,
} from "@cortex/plugins";
import { messageOf, withDeadline } from "@cortex/primitives";
import { McpConnectError } from "../errors.js";
import { resolveOptions, sdkTimeout, type McpServerPluginOptions, type ResolvedOptions } from "./options.js";
import { healthReport } from "./health.js";
import { listToolsOnce } from "./listing.js";
import { Restarts } from "./restarts.js";
import { toPluginResult } from "./results.js";
import {
  callFailure,
  credentialTarget,
  declaredCredentials,
  sessionConfig,
  type DeclaredCredential,
} from "./target.js";
import { SecretScrubber } from "./secrets.js";
import { McpSession, type SessionTarget } from "./session.js";
import { ToolTable, type McpToolStatus, type ToolChanges } from "./tool-table.js";

export type { DeclaredCredential };

/** Called when the server's tool list changed (`tools/list_changed`, or a restart listed other tools). */
export type ActionsChangedListener = (changes: ToolChanges) => void;

const NEVER = new AbortController().signal;

const failure = (code: string, error: string): PluginResult => ({ success: false, code, error });

/**
 * An MCP server as a Cortex plugin: each of the server's tools is an
 * action with the tool's input schema, and a tier decided by the rules of
 * `tierForTool` (never laxer later). Created by {@link mcpServerPlugin}.
 * It offers no actions until its tools are listed: by `setup` (the registry
 * reads the actions again then) or, ahead of it, by `preload`.
 */
export class McpServerPlugin implements Plugin {
  readonly name: string;
  /** The credentials this plugin asks the broker for; a registry that reads declarations hands out only these. */
  readonly credentials: Readonly<Record<string, DeclaredCredential>>;
  readonly #o: ResolvedOptions;
  readonly #table: ToolTable;
  readonly #scrubber = new SecretScrubber();
  readonly #listeners = new Set<ActionsChangedListener>();
  #target: SessionTarget | undefined;
  #session: McpSession | undefined;
  #opening: Promise<McpSession> | undefined;
  readonly #restarts: Restarts;
  #state: "new" | "ready" | "closed" = "new";
  /** The server's name and version from its last handshake. */
  #info: { name?: string; version?: string; title?: string } = {};

  /** Checks the options (throws `CORTEX_INVALID_OPTIONS`); starts nothing: `setup` does. */
  constructor(options: McpServerPluginOptions) {
    this.#o = resolveOptions(options);
    this.#table = new ToolTable(this.#o);
    this.#restarts = new Restarts(this.#o);
    this.name = this.#o.name;
    this.credentials = declaredCredentials(this.#o);
  }

  /**
   * A plugin with its tools listed ahead of setup (see `preload`).
   * @deprecated Use `mcpServerPlugin(options)`, and `preload()` when the tools must be known before setup.
   */
  static async create(options: McpServerPluginOptions): Promise<McpServerPlugin> {
    const plugin = new McpServerPlugin(options);
    await plugin.preload();
    return plugin;
  }

  /** The `version` option, else the version the server reported once listed or set up, else `0.0.0`. */
  get version(): string {
    return this.#o.version ?? this.#info.version ?? "0.0.0";
  }

  /** The `description` option, else "MCP server" and the server's title or name once known (the plugin's name before). */
  get description(): string {
    return this.#o.description ?? `MCP server ${this.#info.title ?? this.#info.name ?? this.name}`;
  }

  /**
   * Lists the server's tools in a short session of its own (started with
   * `broker`, default the `broker` option, and closed again), so
   * `listActions()` offers them before setup: for a host that shows the
   * tools (`cortex plugins`) or registers with a registry that reads them
   * only at registration. Rejects with `CORTEX_MCP_CONNECT_FAILED`; does
   * nothing once the plugin is set up.
   */
  async preload(broker: CredentialBroker = this.#o.broker): Promise<void> {
    if (this.#state === "closed") throw new Error(`MCP server plugin "${this.name}" was torn down`);
    if (this.#state === "ready") return;
    const { tools, info } = await listToolsOnce(this.#o, broker);
    // Set up meanwhile: the live session's list is the one to keep.
    if (this.#state !== "new") return;
    this.#info = info;
    this.#applyTools(tools);
  }

  /** Every tool the server ever listed in this plugin's life, with its tier and status. */
  get tools(): McpToolStatus[] {
    return this.#table.statuses();
  }

  /**
   * Starts the server with the broker's credentials, initializes the
   * session and lists the tools (the registry reads the actions again
   * after setup); rejects with `CORTEX_MCP_CONNECT_FAILED`.
   */
  async setup(broker: CredentialBroker): Promise<void> {
    if (this.#state === "closed") throw new Error(`MCP server plugin "${this.name}" was torn down`);
    const { target, secrets } = await credentialTarget(this.#o, broker);
    this.#scrubber.reset(secrets);
    this.#target = target;
    this.#restarts.started();
    const previous = this.#session;
    this.#session = undefined;
    await previous?.close();
    this.#session = await this.#open();
    this.#state = "ready";
  }

  /** Closes the session and ends the server process (and its process group). */
  async teardown(): Promise<void> {
    this.#state = "closed";
    await this.#opening?.catch(() => undefined);
    const session = this.#session;
    this.#session = undefined;
    await session?.close();
  }

  /** The actions of every active tool; none before the tools are listed (by `setup` or `preload`). */
  listActions(): PluginActionInfo[] {
    return this.#table.actions();
  }

  /** Subscribes to changes of the tool list; returns the unsubscribe function. */
  onActionsChanged(listener: ActionsChangedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls the tool behind `action`; every failure (crash, hang, protocol error) is a failure result. */
  async executeAction(action: string, params: Record<string, unknown>, context?: ActionContext): Promise<PluginResult> {
    const target = this.#table.resolve(action);
    if ("code" in target) return failure(target.code, target.error);
    const signal = context?.signal ?? NEVER;
    let session: McpSession;
    try {
      session = await this.#ensureSession(signal);
    } catch (error) {
      return failure(
        "CORTEX_MCP_SERVER_UNAVAILABLE",
        this.#scrub(`MCP server "${this.name}" is not available: ${messageOf(error)}`),
      );
    }
    try {
      const raw = await session.callTool(target.tool, params, signal, sdkTimeout(this.#o.callTimeoutMs));
      this.#restarts.succeeded();
      return toPluginResult(raw, this.#o, (value) => this.#scrubber.value(value));
    } catch (error) {
      const message = await callFailure(this.name, this.#o, session, target.tool, error, signal, (s) =>
        this.#answersPing(s),
      );
      return failure("CORTEX_MCP_CALL_FAILED", this.#scrub(message));
    }
  }

  /** Pings the server: HEALTHY when it answers in time, UNHEALTHY (and stopped, to restart) otherwise. */
  health(): Promise<PluginHealthReport> {
    return healthReport({
      name: this.name,
      o: this.#o,
      tools: this.#table.statuses(),
      restarts: this.#restarts,
      state: this.#state,
      session: this.#session,
      answersPing: (session) => this.#answersPing(session),
      scrub: (text) => this.#scrub(text),
    });
  }

  #scrub(text: string): string {
    return this.#scrubber.text(text);
  }

  async #open(): Promise<McpSession> {
    const target = this.#target;
    if (target === undefined) throw new Error(`MCP server plugin "${this.name}" is not set up`);
    // The callbacks need the session they belong to, which exists only once it is open.
    const ref: { session?: McpSession } = {};
    const config = sessionConfig(
      this.#o,
      target,
      (t) => this.#scrub(t),
      () => void this.#refresh(ref.session),
      () => this.#lost(ref.session),
    );
    const session = (ref.session = await McpSession.open(config));
    try {
      const tools = await session.listTools(sdkTimeout(this.#o.connectTimeoutMs));
      this.#info = session.serverInfo ?? this.#info;
      this.#applyTools(tools);
    } catch (error) {
      await session.close(true);
      const message = `MCP server "${this.name}" did not list its tools: ${messageOf(error)}`;
      throw new McpConnectError(this.name, this.#scrub(message), { cause: error });
    }
    if (this.#state === "closed") {
      await session.close();
      throw new Error(`MCP server plugin "${this.name}" was torn down`);
    }
    return session;
  }

  #ensureSession(signal: AbortSignal): Promise<McpSession> {
    if (this.#state === "closed") return Promise.reject(new Error("the plugin was torn down"));
    const session = this.#session;
    if (session?.alive) return Promise.resolve(session);
    this.#opening ??= this.#restart().finally(() => (this.#opening = undefined));
    return withDeadline(this.#opening, { signal });
  }

  async #restart(): Promise<McpSession> {
    await this.#restarts.next();
    await this.#session?.close();
    this.#session = undefined;
    try {
      const session = await this.#open();
      this.#session = session;
      const count = this.#restarts.count;
      this.#o.logger.info(`MCP server "${this.name}" restarted (${count} in a row)`, { plugin: this.name });
      return session;
    } catch (error) {
      this.#restarts.lost(messageOf(error));
      throw error;
    }
  }

  #lost(session: McpSession | undefined): void {
    if (session === undefined || this.#state === "closed") return;
    const why = `the server's connection ended${session.describeExit()}`;
    this.#restarts.lost(why);
    this.#o.logger.warn(`MCP server "${this.name}" is gone: ${this.#scrub(why)}; it is restarted on the next call`, {
      plugin: this.name,
    });
  }

  /** Whether the server answers a ping in time; one that does not is stopped (its next call restarts it). */
  async #answersPing(session: McpSession): Promise<boolean> {
    try {
      await session.ping(this.#o.pingTimeoutMs);
      return true;
    } catch (error) {
      if (!session.alive) return false;
      this.#restarts.lost(`the server did not answer a ping within ${this.#o.pingTimeoutMs} ms (${messageOf(error)})`);
      if (this.#session === session) this.#session = undefined;
      await session.close(true);
      return false;
    }
  }

  async #refresh(session: McpSession | undefined): Promise<void> {
    if (session === undefined || !session.alive || this.#session !== session) return;
    try {
      this.#applyTools(await session.listTools(sdkTimeout(this.#o.connectTimeoutMs)));
    } catch (error) {
      this.#o.logger.warn(`MCP server "${this.name}": listing tools failed: ${this.#scrub(messageOf(error))}`, {
        plugin: this.name,
      });
    }
  }

  #applyTools(tools: Parameters<ToolTable["update"]>[0]): void {
    const changes = this.#table.update(tools);
    if (changes.added.length + changes.removed.length + changes.changed.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(changes);
      } catch (error) {
        this.#o.logger.warn(`a tools-changed listener threw: ${messageOf(error)}`, { plugin: this.name });
      }
    }
  }
}

/**
 * An MCP server as a Cortex plugin to register:
 * `registry.register(mcpServerPlugin({ … }))`. Checks the options at once
 * (throws `CORTEX_INVALID_OPTIONS`) and starts nothing: `setup` starts the
 * server and lists its tools (`CORTEX_MCP_CONNECT_FAILED` as a setup
 * failure), and the engine sets such a plugin up when a run's agent may use it.
 */
export function mcpServerPlugin(options: McpServerPluginOptions): McpServerPlugin {
  return new McpServerPlugin(options);
}
