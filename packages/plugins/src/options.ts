import type { Approval, Approver, AuthorizePolicy } from "./approval.js";
import type { Logger } from "./logger.js";
import type { CredentialBroker, PluginHealthReport, PluginHealthStatus, Principal } from "./models.js";

/** Options of {@link PluginRegistry}. Times are in milliseconds. */
export interface PluginRegistryOptions {
  /** Credentials for plugins' `setup`; every value it returns is redacted from what the registry produces. */
  broker: CredentialBroker;
  /** Asked for CONFIRM/ADMIN calls without a matching approval in options. */
  approver?: Approver;
  /** ADMIN policy; default: the principal's roles include `"admin"`. */
  authorize?: AuthorizePolicy;
  /** Default {@link consoleLogger}. */
  logger?: Logger;
  /** Per-call limit for `executeAction`; default 30 000. */
  timeoutMs?: number;
  /** Limit for each `setup`; default 30 000. */
  setupTimeoutMs?: number;
  /** Limit for each `health`; default 5 000. */
  healthTimeoutMs?: number;
  /** Limit for the approver and authorize policy (no answer = denied); default 120 000. */
  approvalTimeoutMs?: number;
  /** How long shutdown waits for in-flight calls, and each teardown; default 10 000. */
  shutdownTimeoutMs?: number;
}

/** Options of one `execute` call. */
export interface ExecuteOptions {
  /** Aborting it aborts the plugin's `context.signal`; the result is a `CORTEX_ABORTED` failure. */
  signal?: AbortSignal;
  /** Who asks; required for ADMIN actions. */
  principal?: Principal;
  /** A decision for this exact call (its `id` must equal `approvalId(plugin, action, params)`). */
  approval?: Approval;
  /** Overrides the registry's `timeoutMs` for this call. */
  timeoutMs?: number;
  /** Correlation id passed to the plugin as `context.callId`; generated when absent. */
  callId?: string;
}

/** What `setupAllPending` did. */
export interface SetupReport {
  ready: string[];
  failed: { plugin: string; error: unknown }[];
}

/** Health of every plugin plus the worst status among them (`HEALTHY` when there are none). */
export interface RegistryHealth {
  status: PluginHealthStatus;
  plugins: PluginHealthReport[];
}
