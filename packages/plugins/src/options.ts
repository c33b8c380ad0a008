import type { Approval, Approver, AuthorizePolicy } from "./approval.js";
import type { Logger } from "./logger.js";
import type { CredentialBroker, PluginHealthReport, PluginHealthStatus, Principal } from "./models.js";
import { InvalidOptionsError } from "./options-error.js";

/**
 * Options of {@link PluginRegistry}. Times are in milliseconds; each time
 * limit is a number > 0, or `Infinity` for no limit (no timer at all), and
 * anything else makes the constructor throw `CORTEX_INVALID_OPTIONS`.
 */
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
  /** How long shutdown waits for in-flight calls, and each teardown (also a late setup's teardown); default 10 000. */
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
  /** Overrides the registry's `timeoutMs` for this call: a number > 0 or `Infinity` (else `execute` rejects with `CORTEX_INVALID_OPTIONS`). */
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

/** The registry's time limits, validated (see {@link timeLimits}). */
export interface TimeLimits {
  readonly timeoutMs: number;
  readonly setupTimeoutMs: number;
  readonly healthTimeoutMs: number;
  readonly approvalTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
}

/** Defaults of the time-limit options, in milliseconds. */
export const DEFAULT_TIME_LIMITS: TimeLimits = Object.freeze({
  timeoutMs: 30_000,
  setupTimeoutMs: 30_000,
  healthTimeoutMs: 5_000,
  approvalTimeoutMs: 120_000,
  shutdownTimeoutMs: 10_000,
});

/**
 * True for a usable time limit: a number > 0, or `Infinity` for no limit.
 * NaN, 0, negatives and non-numbers are not: Node would run a timer for them
 * after 1 ms (NaN never times a call out at all). Finite limits above
 * 2^31 - 1 ms are usable: the timers chain (see `startLongTimer`).
 */
export function isTimeLimit(value: unknown): value is number {
  return typeof value === "number" && value > 0;
}

/** The message of an unusable time limit. */
export function timeLimitMessage(owner: string, option: string, value: unknown): string {
  return `${owner} option "${option}" must be a number > 0 (or Infinity for no limit); got ${shown(value)}`;
}

/** A short description of a bad option value, for an error message. */
function shown(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return value === null ? "null" : typeof value;
}

/**
 * The time limits of `new PluginRegistry(options)`: each given one checked
 * ({@link isTimeLimit}), each absent (`undefined`) one defaulted; a
 * JavaScript caller's `null` is an error, as in `discoverPlugins`. Throws
 * `CORTEX_INVALID_OPTIONS` naming the first unusable option.
 */
export function timeLimits(options: { readonly [K in keyof TimeLimits]?: unknown }): TimeLimits {
  const limits: { -readonly [K in keyof TimeLimits]: number } = { ...DEFAULT_TIME_LIMITS };
  for (const option of Object.keys(DEFAULT_TIME_LIMITS) as (keyof TimeLimits)[]) {
    const value = options[option];
    if (value === undefined) continue;
    if (!isTimeLimit(value)) throw new InvalidOptionsError(option, timeLimitMessage("PluginRegistry", option, value));
    limits[option] = value;
  }
  return limits;
}
