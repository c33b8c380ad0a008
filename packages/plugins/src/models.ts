import type { JsonSchema } from "@cortex/primitives";

/**
 * The plugin contract: the shapes a plugin implements and the registry
 * returns. A plugin whose `executeAction` takes no third argument, with sync
 * or async methods, satisfies {@link Plugin} unchanged.
 */

/** Risk tier of an action; enforced by the registry, fail-closed. */
export const ActionTier = {
  /** The agent may run the action without asking anyone. */
  AUTO: "AUTO",
  /** Runs only with an approval for this exact call (plugin, action, params). */
  CONFIRM: "CONFIRM",
  /** Needs an approval and an authorized principal. */
  ADMIN: "ADMIN",
} as const;
/** One of `"AUTO" | "CONFIRM" | "ADMIN"`. */
export type ActionTier = (typeof ActionTier)[keyof typeof ActionTier];

/** Health of a plugin as reported by `health()` or derived by the registry. */
export const PluginHealthStatus = {
  HEALTHY: "HEALTHY",
  DEGRADED: "DEGRADED",
  UNHEALTHY: "UNHEALTHY",
  /** Not known yet: the plugin has not been set up, or was shut down. */
  UNKNOWN: "UNKNOWN",
} as const;
/** One of `"HEALTHY" | "DEGRADED" | "UNHEALTHY" | "UNKNOWN"`. */
export type PluginHealthStatus = (typeof PluginHealthStatus)[keyof typeof PluginHealthStatus];

export type { JsonSchema };

/** Describes one action a plugin offers. Read once, at registration. */
export interface PluginActionInfo {
  /** Action name: `^[a-zA-Z][a-zA-Z0-9_-]*$`, never containing `__`. */
  readonly name: string;
  /** What the action does; shown to the model. */
  readonly description: string;
  /** Risk tier the registry enforces before the plugin's code runs. */
  readonly tier: ActionTier;
  /** JSON Schema for `params`; validated before the plugin's code runs. */
  readonly parameters?: JsonSchema;
}

/** Outcome of an action. */
export interface PluginResult<T = unknown> {
  /** Whether the action did what it was asked. */
  success: boolean;
  /** Payload of a successful action: JSON data (anything else is a `CORTEX_INVALID_RESULT` failure). */
  data?: T;
  /** Human-readable reason of a failure. */
  error?: string;
  /** Stable code the registry sets on failures it produces (e.g. `CORTEX_PLUGIN_TIMEOUT`). */
  code?: string;
}

/** A plugin's own view of its health. */
export interface PluginHealthReport {
  /** The plugin's name. */
  plugin: string;
  /** Its status. */
  status: PluginHealthStatus;
  /** Free-form details (latency, state, …). */
  details?: Record<string, unknown>;
  /** Why it is not healthy. */
  error?: string;
}

/** Who is asking for an action; used by the ADMIN tier's authorization. */
export interface Principal {
  /** Stable id of the user or service. */
  readonly id: string;
  /** Roles; the default policy authorizes ADMIN when they include `"admin"`. */
  readonly roles: readonly string[];
}

/**
 * Third argument of `executeAction`. A plugin may ignore it; one that does
 * long work should pass `signal` on (fetch, streams) so timeouts and caller
 * aborts stop the work.
 */
export interface ActionContext {
  /** Aborted when the call times out, the caller aborts, or the registry shuts down. */
  readonly signal: AbortSignal;
  /** The principal given to `execute`, if any. */
  readonly principal?: Principal;
  /** Id of this call, for logs and correlation. */
  readonly callId: string;
}

/** Options of {@link CredentialBroker.get}. */
export interface CredentialOptions {
  /**
   * `false` for configuration that is not secret — a folder, a server URL,
   * a size limit: the registry then leaves the value in error text and logs
   * instead of replacing it with `[REDACTED]`. Default `true`. A value that
   * was also handed out as a secret stays redacted.
   */
  readonly secret?: boolean;
}

/** Source of credentials (and plain configuration) handed to `setup`. */
export interface CredentialBroker {
  /**
   * Resolves the value for `key`; rejects with `CORTEX_CREDENTIAL_MISSING`
   * when there is none. `options` describe the value; a broker may ignore them.
   */
  get(key: string, options?: CredentialOptions): Promise<string>;
}

/** A value or a promise of it; plugin methods may be sync or async. */
export type Awaitable<T> = T | PromiseLike<T>;

/**
 * An action plugin. `setup` runs once before the first action (lazily, or
 * via `setupAllPending`); `teardown` once at registry shutdown.
 */
export interface Plugin {
  /** Plugin name: `^[a-z][a-z0-9-]*(_[a-z0-9-]+)*$` (lower case; an `_` only between other characters). */
  readonly name: string;
  /** Version, semver recommended (a non-semver version is logged as a warning). */
  readonly version: string;
  /** What the plugin is for. */
  readonly description: string;
  /** Acquire credentials and clients. Throwing marks the plugin failed. */
  setup(broker: CredentialBroker): Awaitable<void>;
  /** Release what `setup` acquired. */
  teardown(): Awaitable<void>;
  /** The actions offered; read once at registration. */
  listActions(): readonly PluginActionInfo[];
  /** Run an action whose params already passed validation and tier checks. */
  executeAction(action: string, params: Record<string, unknown>, context?: ActionContext): Awaitable<PluginResult>;
  /** Report health; called with a timeout by the registry. */
  health(): Awaitable<PluginHealthReport>;
}

/** Lifecycle state of a registered plugin. */
export const PluginState = {
  /** Registered, `setup` not run yet. */
  PENDING: "pending",
  /** `setup` succeeded; actions run. */
  READY: "ready",
  /** `setup` failed; actions throw `CORTEX_PLUGIN_NOT_READY`. */
  FAILED: "failed",
  /** The registry shut down. */
  CLOSED: "closed",
} as const;
/** One of `"pending" | "ready" | "failed" | "closed"`. */
export type PluginState = (typeof PluginState)[keyof typeof PluginState];
