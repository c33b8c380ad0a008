import { consoleLogger, guardedLogger, isCortexError, onAbort, withDeadline, type Logger } from "@cortex/primitives";
import type { Ajv } from "ajv";
import { approvalRequest, approveCall, checkPrincipal, defaultAuthorize, type TierGate } from "./approval.js";
import { runAction, RunningCalls } from "./call.js";
import { discoverPlugins, type DiscoveryOptions, type DiscoveryReport } from "./discovery.js";
import { discoverDeclaredMcpServers } from "./mcp-servers.js";
import {
  ActionNotFoundError,
  messageText,
  InvalidPluginError,
  PluginNotFoundError,
  PluginNotReadyError,
  RegistryClosedError,
} from "./errors.js";
import { checkHealth, worstStatus } from "./health.js";
import { runSetup, shutdownPlugins, type LifecycleHost, type ShutdownReport } from "./lifecycle.js";
import type { CredentialBroker, Plugin, PluginHealthReport, PluginResult, PluginState, Principal } from "./models.js";
import {
  timeLimit,
  timeLimits,
  type ExecuteOptions,
  type PluginRegistryOptions,
  type RegistryHealth,
  type SetupReport,
  type TimeLimits,
} from "./options.js";
import { redactingBroker, redactingLogger, Redactor } from "./redact.js";
import { buildEntry, type ActionEntry, type PluginEntry, type RegisteredAction } from "./registration.js";
import { createAjv, readParams } from "./validation.js";

const NO_OPTIONS: ExecuteOptions = Object.freeze({});

/** Why a wait before the plugin runs ended early because the caller aborted (see `#waitUntilReady`). */
const CALLER_ABORTED = Symbol("caller aborted");

/**
 * Holds plugins and runs their actions through one gate, in this order:
 * closed? → plugin → action → params (one walk, then the schema) → tier
 * (principal, approval) → lazy single-flight setup → plugin code with one
 * deadline and the caller's signal. Plugin code never runs for an unknown,
 * invalid, unapproved or forbidden call; those throw coded errors. Plugin
 * failures resolve as coded results.
 */
export class PluginRegistry {
  readonly #entries = new Map<string, PluginEntry>();
  readonly #ajv: Ajv = createAjv();
  readonly #host: LifecycleHost;
  readonly #broker: CredentialBroker;
  readonly #gate: TierGate;
  readonly #logger: Logger;
  readonly #redactor = new Redactor();
  readonly #limits: TimeLimits;
  /** Aborted when shutdown begins: calls waiting for an approval or a lazy setup stop waiting. */
  readonly #closed = new AbortController();
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(options: PluginRegistryOptions) {
    // Throws CORTEX_INVALID_OPTIONS for a time limit that is not a number > 0 or Infinity (no limit).
    this.#limits = timeLimits(options);
    this.#logger = redactingLogger(guardedLogger(options.logger ?? consoleLogger), this.#redactor);
    this.#host = {
      logger: this.#logger,
      redactor: this.#redactor,
      running: new RunningCalls(),
      watched: new WeakSet(),
      teardownTimeoutMs: this.#limits.shutdownTimeoutMs,
    };
    this.#gate = {
      approver: options.approver,
      authorize: options.authorize ?? defaultAuthorize,
      approvalTimeoutMs: this.#limits.approvalTimeoutMs,
    };
    // Plugins get this wrapper, never the broker itself, so every secret handed out can be redacted.
    this.#broker = redactingBroker(options.broker, this.#redactor);
  }

  /** Adds a plugin (state `pending`); throws `CORTEX_INVALID_PLUGIN`, `CORTEX_INVALID_SCHEMA` or `CORTEX_DUPLICATE_PLUGIN`. */
  register(plugin: Plugin): void {
    if (this.#closed.signal.aborted) throw new RegistryClosedError(`register a plugin`);
    const entry = buildEntry(plugin, new Set(this.#entries.keys()), this.#ajv, this.#logger);
    this.#entries.set(entry.name, entry);
    this.#logger.debug(`registered plugin "${entry.name}"`, { plugin: entry.name, actions: entry.actionList.length });
  }

  /**
   * Finds plugins in the host's direct dependencies and registers them (see
   * `discoverPlugins`), and the MCP servers its package.json declares in
   * `cortex.mcpServers` (through `@cortex/mcp`, which the host installs;
   * a server named like a registered plugin is skipped). A package or
   * server that fails to load or register, whatever it throws, is reported
   * in `failed`; the others still register.
   */
  async discoverAndRegister(options?: DiscoveryOptions): Promise<DiscoveryReport> {
    const found = await discoverPlugins(options);
    const servers =
      options?.mcpServers === false
        ? { plugins: [], skipped: [], failed: [] }
        : await discoverDeclaredMcpServers(options?.cwd, {
            broker: this.#broker,
            logger: this.#logger,
            exclude: [...this.#entries.keys(), ...found.plugins.map((p) => p.name)],
          });
    const report: DiscoveryReport = {
      registered: [],
      skipped: [...found.skipped, ...servers.skipped],
      failed: [...found.failed, ...servers.failed],
    };
    for (const { name, packageName, plugin } of [...found.plugins, ...servers.plugins]) {
      try {
        this.register(plugin);
        report.registered.push({ name, package: packageName });
      } catch (error) {
        const coded = isCortexError(error) ? error : new InvalidPluginError(name, messageText(error), error);
        report.failed.push({ package: packageName, plugin: name, error: coded });
      }
    }
    for (const f of report.failed) {
      this.#logger.warn(`plugin discovery failed: ${f.error.message}`, { package: f.package, code: f.error.code });
    }
    return report;
  }

  /** Runs `setup` on every pending plugin concurrently; failures mark the plugin failed, the rest go on. */
  async setupAllPending(): Promise<SetupReport> {
    const pending = [...this.#entries.values()].filter((e) => e.state === "pending");
    await Promise.all(pending.map((e) => this.#setup(e)));
    const report: SetupReport = { ready: [], failed: [] };
    for (const e of pending) {
      if (e.state === "ready") report.ready.push(e.name);
      else if (e.state === "failed") report.failed.push({ plugin: e.name, error: e.setupError });
    }
    return report;
  }

  /**
   * Runs an action through the whole gate. Rejects with a coded error when
   * the call may not run; otherwise resolves to the plugin's result, or to
   * `{ success: false, error, code }` when the plugin throws, times out, is
   * aborted or returns something that is not a `PluginResult` of JSON data.
   */
  execute(
    plugin: string,
    action: string,
    params: unknown,
    options: ExecuteOptions = NO_OPTIONS,
  ): Promise<PluginResult> {
    try {
      if (this.#closed.signal.aborted) throw new RegistryClosedError(`execute "${plugin}.${action}"`);
      const entry = this.#entry(plugin);
      const act = this.#action(entry, action);
      // A copy read once: what is validated, approved and run is one and the same.
      const args = act.check(params);
      const timeoutMs =
        options.timeoutMs === undefined ? this.#limits.timeoutMs : timeLimit("execute", "timeoutMs", options.timeoutMs);
      if (act.info.tier !== "AUTO" || entry.state !== "ready") {
        return this.#waitUntilReady(entry, act, args, options).then(
          () => runAction(this.#host, entry, act.info.name, args, timeoutMs, options),
          (error: unknown) => Promise.reject(this.#rejection(error)),
        );
      }
      return runAction(this.#host, entry, act.info.name, args, timeoutMs, options);
    } catch (error) {
      return Promise.reject(this.#rejection(error));
    }
  }

  /** What `execute` rejects with: the error, secrets removed; something thrown that is not an Error, wrapped in one. */
  #rejection(error: unknown): Error {
    const redacted = this.#redactor.error(error);
    return redacted instanceof Error ? redacted : new Error(messageText(redacted));
  }

  /** The validation `execute` applies: throws `CORTEX_VALIDATION_FAILED` listing every issue. */
  validate(plugin: string, action: string, params: unknown): void {
    this.#action(this.#entry(plugin), action).check(params);
  }

  /**
   * The principal check `execute` makes for an ADMIN action, on its own, so
   * a caller can refuse a forbidden call before asking a human to approve
   * it. Resolves for AUTO and CONFIRM actions and for a principal the
   * authorize policy accepts; rejects with `CORTEX_FORBIDDEN` otherwise, and
   * with `CORTEX_PLUGIN_NOT_FOUND` / `CORTEX_ACTION_NOT_FOUND` for unknown
   * names. Runs neither plugin code nor the approver, and grants nothing:
   * `execute` checks again. Pass the params as they will be executed
   * (validate them first); the policy sees them in its request.
   */
  async authorize(plugin: string, action: string, params: unknown, principal?: Principal): Promise<void> {
    try {
      const entry = this.#entry(plugin);
      const { info } = this.#action(entry, action);
      if (info.tier !== "ADMIN") return;
      const read = readParams(params);
      const args = "value" in read ? read.value : {};
      await checkPrincipal(this.#gate, approvalRequest(entry.name, info.name, info.tier, args, principal));
    } catch (error) {
      throw this.#redactor.error(error);
    }
  }

  /** Health of one plugin; pending → UNKNOWN, failed → UNHEALTHY; never triggers setup. */
  async health(name: string): Promise<PluginHealthReport> {
    const entry = this.#entries.get(name);
    if (entry === undefined) throw new PluginNotFoundError(name);
    return checkHealth(this.#host, entry, this.#limits.healthTimeoutMs);
  }

  /** Health of every registered plugin, checked concurrently, with the worst status overall. */
  async healthAll(): Promise<RegistryHealth> {
    const plugins = await Promise.all([...this.#entries.keys()].map((name) => this.health(name)));
    return { status: worstStatus(plugins.map((p) => p.status)), plugins };
  }

  /** Every action of every registered plugin, with its plugin's name. */
  listActions(): RegisteredAction[] {
    return [...this.#entries.values()].flatMap((e) => e.actionList);
  }

  /** The plugin registered under `name`. */
  get(name: string): Plugin | undefined {
    return this.#entries.get(name)?.plugin;
  }

  /** The lifecycle state of the plugin registered under `name`. */
  state(name: string): PluginState | undefined {
    return this.#entries.get(name)?.state;
  }

  /** Names of registered plugins, in registration order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Stops accepting calls, waits up to `shutdownTimeoutMs` for in-flight
   * calls (then aborts them), tears every ready plugin down (errors are
   * logged and reported, never thrown) and marks all plugins closed.
   * Idempotent: every call returns the same promise.
   */
  shutdown(): Promise<ShutdownReport> {
    this.#closed.abort();
    return (this.#shutdown ??= shutdownPlugins(this.#host, this.#entries.values(), this.#limits.shutdownTimeoutMs));
  }

  #entry(plugin: string): PluginEntry {
    const entry = this.#entries.get(plugin);
    if (entry === undefined) throw new PluginNotFoundError(plugin);
    return entry;
  }

  #action(entry: PluginEntry, action: string): ActionEntry {
    const found = entry.actions.get(action);
    if (found === undefined) throw new ActionNotFoundError(entry.name, action, [...entry.actions.keys()]);
    return found;
  }

  /** The plugin's single-flight setup. */
  #setup(entry: PluginEntry): Promise<void> {
    return (entry.setup ??= runSetup(this.#host, entry, this.#broker, this.#limits.setupTimeoutMs));
  }

  /**
   * What a call waits for before its plugin runs: its approval (CONFIRM,
   * ADMIN) and its plugin's lazy setup. The wait ends as soon as the caller
   * aborts (the call then resolves as aborted, its plugin never run) or the
   * registry shuts down (`CORTEX_REGISTRY_CLOSED`); either way the approver's
   * timer is cleared with it. One controller per wait, linked to the caller's
   * and the registry's signals through `onAbort` and unlinked when the wait
   * ends, so nothing is left on a long-lived signal after the call.
   */
  async #waitUntilReady(
    entry: PluginEntry,
    act: ActionEntry,
    args: Record<string, unknown>,
    options: ExecuteOptions,
  ): Promise<void> {
    const label = `execute "${entry.name}.${act.info.name}"`;
    const stop = new AbortController();
    const unlinkCaller = options.signal ? onAbort(options.signal, () => stop.abort(CALLER_ABORTED)) : undefined;
    const unlinkClosed = onAbort(this.#closed.signal, () => stop.abort(new RegistryClosedError(label)));
    try {
      await withDeadline(
        async (signal) => {
          if (act.info.tier !== "AUTO") await approveCall(this.#gate, this.#logger, act.info, args, options, signal);
          if (entry.state === "pending") await this.#setup(entry);
        },
        { signal: stop.signal, abortError: (reason) => reason },
      );
    } catch (error) {
      // The plugin never runs: `runAction` sees the aborted signal and resolves as aborted.
      if (error === CALLER_ABORTED) return;
      throw error;
    } finally {
      unlinkCaller?.();
      unlinkClosed();
    }
    if (this.#closed.signal.aborted) throw new RegistryClosedError(label);
    if (entry.state === "failed") {
      const why = `plugin "${entry.name}" is not ready: setup failed: ${messageText(entry.setupError)}`;
      throw new PluginNotReadyError(entry.name, why, entry.setupError);
    }
  }
}
