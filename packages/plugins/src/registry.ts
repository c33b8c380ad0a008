import { consoleLogger, guardedLogger, type Logger } from "@cortex/primitives";
import { approvalRequest, checkPrincipal, defaultAuthorize, type TierGate } from "./approval.js";
import { runAction, RunningCalls } from "./call.js";
import { setUpBeforeLookup, waitUntilReady, type WaitHost } from "./wait.js";
import { discoverPlugins, registerDiscovered, type DiscoveryOptions, type DiscoveryReport } from "./discovery.js";
import {
  ActionNotFoundError,
  messageText,
  PluginNotFoundError,
  PreviewFailedError,
  RegistryClosedError,
} from "./errors.js";
import { scopedBroker, variableNamer, type PluginCredentialInfo } from "./credentials.js";
import { discoverDeclaredMcpServers } from "./mcp-servers.js";
import { checkHealth, worstStatus } from "./health.js";
import { runSetup, shutdownPlugins, type LifecycleHost, type ShutdownReport } from "./lifecycle.js";
import type {
  ActionPreview,
  CredentialBroker,
  Plugin,
  PluginHealthReport,
  PluginResult,
  PluginState,
  Principal,
} from "./models.js";
import {
  timeLimit,
  timeLimits,
  type ExecuteOptions,
  type PluginRegistryOptions,
  type RegistryHealth,
  type SetupReport,
  type TimeLimits,
} from "./options.js";
import { previewReady, type PreviewOptions } from "./preview.js";
import { redactingBroker, redactingLogger, Redactor } from "./redact.js";
import {
  buildEntry,
  rereadActions,
  subscribe,
  type ActionEntry,
  type PluginEntry,
  type ReadOptions,
  type RegisteredAction,
} from "./registration.js";
import { Compilers, readParams } from "./validation.js";

const NO_OPTIONS: ExecuteOptions = Object.freeze({});

/**
 * Whether a plugin has no actions because they are listed at its setup (an
 * MCP server's tools): it lists none and was never set up, or its setup
 * failed. A call to it goes through its setup (single-flight: it runs once)
 * before the lookup, so it gets the setup's outcome, not an unknown action.
 */
const listsActionsAtSetup = (entry: PluginEntry): boolean =>
  entry.actions.size === 0 && (entry.state === "pending" || entry.state === "failed");

/**
 * Holds plugins and runs their actions through one gate, in this order:
 * closed? → plugin → action (a pending plugin that lists no actions yet is
 * set up first) → params (one walk, then the schema) → tier (principal,
 * approval) → lazy single-flight setup → plugin code with one deadline and
 * the caller's signal. Plugin code never runs for an unknown, invalid,
 * unapproved or forbidden call; those throw coded errors. Plugin failures
 * resolve as coded results.
 */
export class PluginRegistry {
  readonly #entries = new Map<string, PluginEntry>();
  readonly #read: ReadOptions;
  /** Unsubscribes from plugins that report changes of their actions; called at shutdown. */
  readonly #unsubscribe: (() => void)[] = [];
  readonly #host: LifecycleHost;
  readonly #broker: CredentialBroker;
  readonly #gate: TierGate;
  readonly #logger: Logger;
  readonly #redactor = new Redactor();
  readonly #limits: TimeLimits;
  /** Aborted when shutdown begins: calls waiting for an approval or a lazy setup stop waiting. */
  readonly #closed = new AbortController();
  #shutdown: Promise<ShutdownReport> | undefined;
  readonly #wait: WaitHost;

  constructor(options: PluginRegistryOptions) {
    // Throws CORTEX_INVALID_OPTIONS for a time limit that is not a number > 0 or Infinity (no limit).
    this.#limits = timeLimits(options);
    this.#logger = redactingLogger(guardedLogger(options.logger ?? consoleLogger), this.#redactor);
    const checkExamples = options.checkExamples ?? process.env.NODE_ENV !== "production";
    this.#read = { compilers: new Compilers(), logger: this.#logger, checkExamples };
    this.#host = {
      logger: this.#logger,
      redactor: this.#redactor,
      running: new RunningCalls(),
      watched: new WeakSet(),
      teardownTimeoutMs: this.#limits.shutdownTimeoutMs,
      variable: variableNamer(options.broker),
    };
    this.#gate = {
      approver: options.approver,
      authorize: options.authorize ?? defaultAuthorize,
      approvalTimeoutMs: this.#limits.approvalTimeoutMs,
    };
    // Plugins get this wrapper, never the broker itself, so every secret handed out can be redacted.
    this.#broker = redactingBroker(options.broker, this.#redactor);
    this.#wait = {
      host: this.#host,
      gate: this.#gate,
      closed: this.#closed.signal,
      timeoutMs: this.#limits.timeoutMs,
      setup: (entry) => this.#setup(entry),
    };
  }

  /** Adds a plugin (state `pending`); throws `CORTEX_INVALID_PLUGIN`, `CORTEX_INVALID_SCHEMA` or `CORTEX_DUPLICATE_PLUGIN`. */
  register(plugin: Plugin): void {
    if (this.#closed.signal.aborted) throw new RegistryClosedError(`register a plugin`);
    const entry = buildEntry(plugin, new Set(this.#entries.keys()), this.#read);
    const unsubscribe = subscribe(entry, () =>
      rereadActions(entry, this.#read, this.#redactor, "it reported a change"),
    );
    if (unsubscribe !== undefined) this.#unsubscribe.push(unsubscribe);
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
    if (options?.mcpServers !== false) {
      const servers = await discoverDeclaredMcpServers(options?.cwd, {
        broker: this.#broker,
        logger: this.#logger,
        exclude: [...this.#entries.keys(), ...found.plugins.map((p) => p.name)],
      });
      found.plugins.push(...servers.plugins);
      found.skipped.push(...servers.skipped);
      found.failed.push(...servers.failed);
    }
    return registerDiscovered(found, (plugin) => this.register(plugin), this.#logger);
  }

  /** Runs `setup` on every pending plugin concurrently; failures mark the plugin failed, the rest go on. */
  setupAllPending(): Promise<SetupReport> {
    return this.setupPending(this.names());
  }

  /**
   * Runs `setup` on those of the named plugins that are pending,
   * concurrently (a setup already under way is waited for, not repeated);
   * the others are left as they are and not reported. Failures mark the
   * plugin failed, the rest go on. Rejects with `CORTEX_PLUGIN_NOT_FOUND`,
   * before any setup starts, for a name that is not registered.
   */
  async setupPending(names: Iterable<string>): Promise<SetupReport> {
    const pending = [...new Set(names)].map((name) => this.#entry(name)).filter((e) => e.state === "pending");
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
      if (listsActionsAtSetup(entry)) {
        return this.#executeAfterSetup(entry, action, params, options).catch((error: unknown) =>
          Promise.reject(this.#rejection(error)),
        );
      }
      const act = this.#action(entry, action);
      // A copy read once: what is validated, approved and run is one and the same.
      const args = act.check(params);
      const timeoutMs =
        options.timeoutMs === undefined ? this.#limits.timeoutMs : timeLimit("execute", "timeoutMs", options.timeoutMs);
      if (act.info.tier !== "AUTO" || entry.state !== "ready") {
        return waitUntilReady(this.#wait, entry, act, args, options).then(
          () => runAction(this.#host, entry, act.info.name, args, timeoutMs, options),
          (error: unknown) => Promise.reject(this.#rejection(error)),
        );
      }
      return runAction(this.#host, entry, act.info.name, args, timeoutMs, options);
    } catch (error) {
      return Promise.reject(this.#rejection(error));
    }
  }

  /**
   * `execute` on a plugin that lists its actions at setup (see
   * {@link listsActionsAtSetup}): set up first, the action looked up then.
   * A caller that aborts meanwhile gets the aborted result, the plugin never
   * run; a failed setup rejects with `CORTEX_PLUGIN_NOT_READY`.
   */
  async #executeAfterSetup(
    entry: PluginEntry,
    action: string,
    params: unknown,
    options: ExecuteOptions,
  ): Promise<PluginResult> {
    const label = `execute "${entry.name}.${action}"`;
    if (!(await setUpBeforeLookup(this.#wait, entry, label, options.signal))) {
      return runAction(this.#host, entry, action, {}, Infinity, options);
    }
    return this.execute(entry.name, action, params, options);
  }

  /** What `execute` rejects with: the error, secrets removed; something thrown that is not an Error, wrapped in one. */
  #rejection(error: unknown): Error {
    const redacted = this.#redactor.error(error);
    return redacted instanceof Error ? redacted : new Error(messageText(redacted));
  }

  /**
   * What running the action with `params` would change, from the plugin's
   * `preview` (see `PreviewOptions`); `undefined` when it has none for the
   * action. Validates params as `execute` does (`CORTEX_VALIDATION_FAILED`),
   * sets the plugin up if it is pending (`CORTEX_PLUGIN_NOT_READY` when that
   * fails), runs the preview under the registry's `timeoutMs` and redacts it;
   * checks no tier and asks nobody. Rejects with `CORTEX_PREVIEW_FAILED` when the preview fails.
   */
  async preview(
    plugin: string,
    action: string,
    params: unknown,
    options: PreviewOptions = NO_OPTIONS,
  ): Promise<ActionPreview | undefined> {
    try {
      if (this.#closed.signal.aborted) throw new RegistryClosedError(`preview "${plugin}.${action}"`);
      const entry = this.#entry(plugin);
      // As in `execute`: a plugin that lists no actions before its setup is set up before the lookup.
      if (listsActionsAtSetup(entry)) {
        const label = `preview "${plugin}.${action}"`;
        if (!(await setUpBeforeLookup(this.#wait, entry, label, options.signal))) {
          const reason: unknown = options.signal?.reason;
          throw new PreviewFailedError(entry.name, action, `the caller aborted it: ${messageText(reason)}`, reason);
        }
      }
      const act = this.#action(entry, action);
      const args = act.check(params);
      const timeoutMs =
        options.timeoutMs === undefined ? this.#limits.timeoutMs : timeLimit("preview", "timeoutMs", options.timeoutMs);
      return await previewReady(this.#host, entry, act.info.name, args, timeoutMs, options, () => this.#setup(entry));
    } catch (error) {
      throw this.#rejection(error);
    }
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

  /**
   * The credentials the plugin declares, each with the environment variable
   * it is read from; `undefined` when the plugin declares none (or is not registered).
   */
  credentials(name: string): PluginCredentialInfo[] | undefined {
    const declared = this.#entries.get(name)?.credentials;
    return declared && [...declared.values()].map((spec) => ({ ...spec, variable: this.#host.variable(spec) }));
  }

  /** Every action of every registered plugin, with its plugin's name. */
  listActions(): RegisteredAction[] {
    // A plain loop: every run start lists the actions, and `flatMap` over a spread costs 30 times more on Node 20.
    const actions: RegisteredAction[] = [];
    for (const entry of this.#entries.values()) for (const action of entry.actionList) actions.push(action);
    return actions;
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
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
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

  /** The plugin's single-flight setup; its actions are read again once it is ready. */
  #setup(entry: PluginEntry): Promise<void> {
    const broker = entry.credentials ? scopedBroker(entry.name, entry.credentials, this.#broker) : this.#broker;
    return (entry.setup ??= runSetup(this.#host, entry, broker, this.#limits.setupTimeoutMs).then(() => {
      if (entry.state === "ready") rereadActions(entry, this.#read, this.#redactor, "its setup finished");
    }));
  }
}
