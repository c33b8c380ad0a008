import {
  approvalId,
  type ActionPreview,
  type PreviewOptions,
  PluginNotReadyError,
  PluginRegistry,
  type Approval,
  type CredentialBroker,
  type ExecuteOptions,
  type Logger,
  type Plugin,
  type PluginHealthReport,
  type PluginRegistryOptions,
  type PluginResult,
  type PluginState,
  type Principal,
  type ShutdownReport,
} from "@cortex/plugins";
import { HarnessUsageError } from "./errors.js";
import { FakeBroker } from "./fake-broker.js";

/** A plugin, or a function making a fresh one (sync or async). */
export type PluginSource<P extends Plugin = Plugin> = P | (() => P | PromiseLike<P>);

/**
 * Options of {@link createPluginHarness}: the registry's own options (minus
 * `broker` and `logger`, which the harness wraps) plus credentials.
 */
export interface PluginHarnessOptions extends Partial<Omit<PluginRegistryOptions, "broker" | "logger">> {
  /** Credentials the plugin's `setup` may ask for; they become a {@link FakeBroker}. */
  credentials?: Readonly<Record<string, string>>;
  /**
   * A broker of your own. A `FakeBroker` given without `credentials` is used
   * as is; any other broker (or one given with `credentials`) becomes the
   * fallback of a new `FakeBroker`, so `harness.broker.requestedKeys` always works.
   */
  broker?: CredentialBroker;
  /** Also receives every log entry; default none (entries are still kept in `harness.logs`). */
  logger?: Logger;
  /** Leave `setup` to the first `execute`, as a registry does; default `false` (set up at once, fail fast). */
  lazy?: boolean;
}

/** Options of one {@link PluginHarness.execute} call. */
export interface HarnessExecuteOptions extends Omit<ExecuteOptions, "approval"> {
  /** Approve (`true`) or deny (`false`) this exact call, as a human would; omit to give no approval. */
  approve?: boolean;
  /** Why the call was approved or denied (ends up in `CORTEX_APPROVAL_DENIED` messages). */
  reason?: string;
  /** Who decided; default `"harness"`. */
  decidedBy?: string;
  /** Call as the principal `{ id: "harness-admin", roles: ["admin"] }`; not together with `principal`. */
  admin?: boolean;
}

/** One entry the registry logged. */
export interface HarnessLogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields?: Record<string, unknown>;
}

/**
 * The action names of a plugin made by `definePlugin` (a typo is a compile
 * error); `string` for a class-form plugin.
 */
export type HarnessActionName<P> = P extends { readonly actions: infer A } ? Extract<keyof A, string> : string;

/** A plugin registered in its own real `PluginRegistry`, with helpers to call it as production does. */
export interface PluginHarness<P extends Plugin = Plugin> {
  /** The plugin instance under test. */
  readonly plugin: P;
  /** The real registry the plugin runs in. */
  readonly registry: PluginRegistry;
  /** The broker `setup` gets its credentials from (records `requestedKeys`). */
  readonly broker: FakeBroker;
  /** Everything the registry logged, in order. */
  readonly logs: HarnessLogEntry[];
  /**
   * Runs an action through the registry's whole gate (validation, tiers,
   * lazy setup, timeout). Resolves to the registry's `PluginResult`; rejects
   * with its coded errors (`CORTEX_VALIDATION_FAILED`,
   * `CORTEX_APPROVAL_REQUIRED`, `CORTEX_APPROVAL_DENIED`, `CORTEX_FORBIDDEN`, …).
   */
  execute(
    action: HarnessActionName<P>,
    params?: Record<string, unknown>,
    options?: HarnessExecuteOptions,
  ): Promise<PluginResult>;
  /** The registry's preview of a call (`registry.preview`): `undefined` when the action has none. */
  preview(
    action: HarnessActionName<P>,
    params?: Record<string, unknown>,
    options?: PreviewOptions,
  ): Promise<ActionPreview | undefined>;
  /** The plugin's health as the registry reports it (`UNKNOWN` before a lazy setup). */
  health(): Promise<PluginHealthReport>;
  /** The plugin's lifecycle state in the registry. */
  state(): PluginState;
  /** Shuts the registry down (tearing the plugin down once); idempotent, never throws. */
  teardown(): Promise<ShutdownReport>;
}

/** The principal `execute(..., { admin: true })` calls as. */
export const HARNESS_ADMIN: Principal = Object.freeze({ id: "harness-admin", roles: Object.freeze(["admin"]) });

/**
 * Registers a plugin in a fresh `PluginRegistry` and (unless `lazy`) sets it
 * up at once; a failing setup rejects with the registry's
 * `CORTEX_PLUGIN_NOT_READY` (its `cause` is the setup error) and shuts the
 * registry down. Registration errors (`CORTEX_INVALID_PLUGIN`, …) reject too.
 * Without an `approver`, CONFIRM/ADMIN calls need `{ approve }` per call.
 */
export async function createPluginHarness<P extends Plugin>(
  source: PluginSource<P>,
  options: PluginHarnessOptions = {},
): Promise<PluginHarness<P>> {
  const { credentials, broker: given, logger: forward, lazy = false, ...registryOptions } = options;
  const broker =
    given instanceof FakeBroker && credentials === undefined
      ? given
      : new FakeBroker(credentials, given === undefined ? {} : { fallback: given });
  const logs: HarnessLogEntry[] = [];
  const record =
    (level: HarnessLogEntry["level"]) =>
    (message: string, fields?: Record<string, unknown>): void => {
      logs.push(fields === undefined ? { level, message } : { level, message, fields });
      forward?.[level](message, fields);
    };
  const logger: Logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
  const registry = new PluginRegistry({ ...registryOptions, broker, logger });
  const plugin = typeof source === "function" ? await source() : source;
  registry.register(plugin);
  const name = plugin.name;

  if (!lazy) {
    const report = await registry.setupAllPending();
    const failed = report.failed[0];
    if (failed !== undefined) {
      await registry.shutdown();
      const why = failed.error instanceof Error ? failed.error.message : String(failed.error);
      throw new PluginNotReadyError(name, `plugin "${name}" is not ready: setup failed: ${why}`, failed.error);
    }
  }

  const harness: PluginHarness<P> = {
    plugin,
    registry,
    broker,
    logs,
    execute(action, params = {}, callOptions = {}) {
      const { approve, reason, decidedBy, admin, principal, ...rest } = callOptions;
      if (admin === true && principal !== undefined) {
        return Promise.reject(
          new HarnessUsageError(`execute("${action}"): pass either { admin: true } or { principal }, not both`),
        );
      }
      const execOptions: ExecuteOptions = { ...rest };
      const who = admin === true ? HARNESS_ADMIN : principal;
      if (who !== undefined) execOptions.principal = who;
      if (approve !== undefined) {
        const approval: Approval = {
          // The id of exactly these params, as production computes it: an
          // approval never covers a call whose params differ.
          id: approvalId(name, action, params),
          approved: approve,
          decidedBy: decidedBy ?? "harness",
          ...(reason === undefined ? {} : { reason }),
        };
        execOptions.approval = approval;
      }
      return registry.execute(name, action, params, execOptions);
    },
    preview: (action, params = {}, previewOptions = {}) => registry.preview(name, action, params, previewOptions),
    health: () => registry.health(name),
    state: () => registry.state(name) ?? "closed",
    teardown: () => registry.shutdown(),
  };
  return harness;
}
