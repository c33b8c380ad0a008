import type { Ajv } from "ajv";
import { approvalRequest, checkPrincipal, defaultAuthorize, enforceTier, type TierGate } from "./approval.js";
import { ActionCall, createCallHost, type CallHost } from "./call.js";
import { discoverPlugins, type DiscoveryOptions, type DiscoveryReport } from "./discovery.js";
import {
  ActionNotFoundError,
  isCortexError,
  PluginNotFoundError,
  PluginNotReadyError,
  RegistryClosedError,
  ValidationError,
} from "./errors.js";
import { consoleLogger, type Logger } from "./logger.js";
import type { CredentialBroker, Plugin, PluginHealthReport, PluginResult, PluginState, Principal } from "./models.js";
import { runSetup, shutdownPlugins, type ShutdownReport } from "./lifecycle.js";
import {
  isTimeLimit,
  timeLimitMessage,
  type ExecuteOptions,
  type PluginRegistryOptions,
  type RegistryHealth,
  type SetupReport,
} from "./options.js";
import { InvalidOptionsError } from "./options-error.js";
import { messageOf, redactingBroker, Redactor } from "./redact.js";
import { buildEntry, type ActionEntry, type PluginEntry, type RegisteredAction } from "./registration.js";
import { checkHealth, worstStatus } from "./health.js";
import { snapshotParams } from "./snapshot.js";
import { untilStopped, WaitStopped } from "./waits.js";
import { createAjv, isPlainObject } from "./validation.js";

const NO_OPTIONS: ExecuteOptions = Object.freeze({});

/**
 * Holds plugins and runs their actions through one gate, in this order:
 * closed? → plugin → action → params shape → schema → tier (principal,
 * approval) → lazy single-flight setup → plugin code with timeout and abort.
 * Plugin code never runs for an unknown, invalid, unapproved or forbidden
 * call; those throw coded errors. Plugin failures resolve as coded results.
 */
export class PluginRegistry {
  readonly #entries = new Map<string, PluginEntry>();
  readonly #ajv: Ajv = createAjv();
  readonly #host: CallHost;
  readonly #broker: CredentialBroker;
  readonly #gate: TierGate;
  readonly #logger: Logger;
  readonly #redactor = new Redactor();
  readonly #timeoutMs: number;
  readonly #setupTimeoutMs: number;
  readonly #healthTimeoutMs: number;
  readonly #shutdownTimeoutMs: number;
  #closing = false;
  readonly #closed = new AbortController();
  #lastEntry: PluginEntry | undefined;
  #shutdown: Promise<ShutdownReport> | undefined;

  constructor(options: PluginRegistryOptions) {
    const { broker } = options;
    this.#logger = options.logger ?? consoleLogger;
    // Validates and defaults every time limit: throws CORTEX_INVALID_OPTIONS
    // for one that is not a number > 0 or Infinity (no limit).
    this.#host = createCallHost(this.#logger, this.#redactor, options);
    const limits = this.#host.limits;
    this.#timeoutMs = limits.timeoutMs;
    this.#setupTimeoutMs = limits.setupTimeoutMs;
    this.#healthTimeoutMs = limits.healthTimeoutMs;
    this.#shutdownTimeoutMs = limits.shutdownTimeoutMs;
    this.#gate = {
      approver: options.approver,
      authorize: options.authorize ?? defaultAuthorize,
      approvalTimeoutMs: limits.approvalTimeoutMs,
    };
    // Plugins get this wrapper, never the broker itself, so every secret handed out can be redacted.
    this.#broker = redactingBroker(broker, this.#redactor);
  }

  /** Adds a plugin (state `pending`); throws `CORTEX_INVALID_PLUGIN`, `CORTEX_INVALID_SCHEMA` or `CORTEX_DUPLICATE_PLUGIN`. */
  register(plugin: Plugin): void {
    if (this.#closing) throw new RegistryClosedError(`register a plugin`);
    const entry = buildEntry(plugin, new Set(this.#entries.keys()), this.#ajv, this.#logger);
    this.#entries.set(entry.name, entry);
    this.#logger.debug(`registered plugin "${entry.name}"`, { plugin: entry.name, actions: entry.actionList.length });
  }

  /** Finds plugins in the host's direct dependencies and registers them; see `discoverPlugins`. */
  async discoverAndRegister(options?: DiscoveryOptions): Promise<DiscoveryReport> {
    const found = await discoverPlugins(options);
    const report: DiscoveryReport = { registered: [], skipped: found.skipped, failed: [...found.failed] };
    for (const { name, packageName, plugin } of found.plugins) {
      try {
        this.register(plugin);
        report.registered.push({ name, package: packageName });
      } catch (error) {
        if (!isCortexError(error)) throw error;
        report.failed.push({ package: packageName, plugin: name, error });
      }
    }
    for (const f of report.failed)
      this.#logger.warn(`plugin discovery failed: ${f.error.message}`, { package: f.package, code: f.error.code });
    return report;
  }

  /** Runs `setup` on every pending plugin concurrently; failures mark the plugin failed, the rest go on. */
  async setupAllPending(): Promise<SetupReport> {
    const pending = [...this.#entries.values()].filter((e) => e.state === "pending");
    await Promise.all(pending.map((e) => (e.setup ??= runSetup(this.#host, e, this.#broker, this.#setupTimeoutMs))));
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
   * aborted or returns something that is not a PluginResult.
   */
  execute(
    plugin: string,
    action: string,
    params: unknown,
    options: ExecuteOptions = NO_OPTIONS,
  ): Promise<PluginResult> {
    try {
      if (this.#closing) throw new RegistryClosedError(`execute "${plugin}.${action}"`);
      const entry = this.#entry(plugin);
      const actionEntry = this.#action(entry, action);
      if (actionEntry.info.tier !== "AUTO" || entry.state !== "ready") {
        // The registry awaits (approval, setup) before this call runs: it works on a
        // snapshot, so the params validated, approved and run are one and the same.
        const snapshot = isPlainObject(params) ? snapshotParams(params) : undefined;
        if (snapshot !== undefined && "issues" in snapshot)
          throw new ValidationError(entry.name, actionEntry.info.name, snapshot.issues);
        const stable = snapshot?.value ?? params;
        this.#validate(actionEntry, stable);
        return this.#slowPath(entry, actionEntry, stable as Record<string, unknown>, options);
      }
      // Nothing is awaited before the plugin is called: it gets the very object validated.
      this.#validate(actionEntry, params);
      return this.#run(entry, action, params as Record<string, unknown>, options);
    } catch (error) {
      const redacted = this.#redactor.error(error);
      return Promise.reject(redacted instanceof Error ? redacted : new Error(messageOf(redacted)));
    }
  }

  /** The validation `execute` applies: throws `CORTEX_VALIDATION_FAILED` listing every issue. */
  validate(plugin: string, action: string, params: unknown): void {
    this.#validate(this.#action(this.#entry(plugin), action), params);
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
      const snapshot = isPlainObject(params) ? snapshotParams(params) : undefined;
      const args = snapshot !== undefined && "value" in snapshot ? snapshot.value : {};
      await checkPrincipal(this.#gate, approvalRequest(entry.name, info.name, info.tier, args, principal), principal);
    } catch (error) {
      throw this.#redactor.error(error);
    }
  }

  /** Health of one plugin; pending → UNKNOWN, failed → UNHEALTHY; never triggers setup. */
  health(name: string): Promise<PluginHealthReport> {
    const entry = this.#entries.get(name);
    if (entry === undefined) return Promise.reject(new PluginNotFoundError(name));
    return checkHealth(entry, this.#healthTimeoutMs, this.#redactor, this.#logger);
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
    this.#closing = true;
    // Calls still waiting for an approval or a lazy setup stop waiting now.
    this.#closed.abort();
    return (this.#shutdown ??= shutdownPlugins(this.#host, this.#entries.values(), this.#shutdownTimeoutMs));
  }

  // One-entry caches: an agent tends to call the same tool repeatedly, and a
  // string compare is cheaper than two Map lookups on the hot path.
  #entry(plugin: string): PluginEntry {
    const last = this.#lastEntry;
    if (last?.name === plugin) return last;
    const entry = this.#entries.get(plugin);
    if (entry === undefined) throw new PluginNotFoundError(plugin);
    return (this.#lastEntry = entry);
  }

  #action(entry: PluginEntry, action: string): ActionEntry {
    const last = entry.lastAction;
    if (last?.info.name === action) return last;
    const found = entry.actions.get(action);
    if (found === undefined) throw new ActionNotFoundError(entry.name, action, [...entry.actions.keys()]);
    return (entry.lastAction = found);
  }

  #validate(entry: ActionEntry, params: unknown): void {
    const issues = entry.check(params);
    if (issues !== undefined) throw new ValidationError(entry.info.plugin, entry.info.name, issues);
  }

  async #slowPath(entry: PluginEntry, action: ActionEntry, params: Record<string, unknown>, options: ExecuteOptions) {
    try {
      // Refused before anyone is asked to approve a call that could not start anyway.
      if (options.timeoutMs !== undefined && !isTimeLimit(options.timeoutMs)) {
        throw new InvalidOptionsError("timeoutMs", timeLimitMessage("execute", "timeoutMs", options.timeoutMs));
      }
      const tier = action.info.tier;
      if (tier !== "AUTO") {
        // The request holds a copy: what an approver or policy does to it cannot change the call that runs.
        const request = approvalRequest(entry.name, action.info.name, tier, structuredClone(params), options.principal);
        // The same stop also clears the approver's timer, so nothing outlives a call nobody waits for.
        const stop = options.signal ? AbortSignal.any([options.signal, this.#closed.signal]) : this.#closed.signal;
        const { decision } = await untilStopped(
          enforceTier(this.#gate, request, options.principal, options.approval, stop),
          options.signal,
          this.#closed.signal,
        );
        this.#logger.info(`approved "${entry.name}.${action.info.name}"`, {
          plugin: entry.name,
          action: action.info.name,
          tier,
          approvalId: request.id,
          decidedBy: decision.decidedBy,
          principal: options.principal?.id,
        });
      }
      if (entry.state === "pending") {
        await untilStopped(
          (entry.setup ??= runSetup(this.#host, entry, this.#broker, this.#setupTimeoutMs)),
          options.signal,
          this.#closed.signal,
        );
      }
      if (this.#closing) throw new RegistryClosedError(`execute "${entry.name}.${action.info.name}"`);
      if (entry.state === "failed") {
        throw new PluginNotReadyError(
          entry.name,
          `plugin "${entry.name}" is not ready: setup failed: ${messageOf(entry.setupError)}`,
          entry.setupError,
        );
      }
      return await this.#run(entry, action.info.name, params, options);
    } catch (error) {
      // The caller aborted while the call waited: the same result as an abort just before the plugin starts.
      if (error instanceof WaitStopped && error.reason === "aborted")
        return this.#run(entry, action.info.name, params, options);
      if (error instanceof WaitStopped) throw new RegistryClosedError(`execute "${entry.name}.${action.info.name}"`);
      throw this.#redactor.error(error);
    }
  }

  #run(entry: PluginEntry, action: string, params: Record<string, unknown>, options: ExecuteOptions) {
    return ActionCall.start(
      this.#host,
      entry.plugin,
      action,
      params,
      options.timeoutMs === undefined ? this.#timeoutMs : options.timeoutMs, // eslint-disable-line @typescript-eslint/prefer-nullish-coalescing -- a null timeoutMs is refused by ActionCall.start, not defaulted
      options.principal,
      options.signal,
      options.callId,
    );
  }
}
