import { InvalidOptionsError, isTimeLimit, type Logger } from "@cortex/primitives";
import type { Approval, Approver, AuthorizePolicy } from "./approval.js";
import type { CredentialBroker, PluginHealthReport, PluginHealthStatus, Principal } from "./models.js";

/**
 * Options of {@link PluginRegistry}. Times are in milliseconds; each time
 * limit is a number > 0, or `Infinity` for no limit (no timer at all), and
 * anything else makes the constructor throw `CORTEX_INVALID_OPTIONS`.
 * Defaults are in {@link REGISTRY_DEFAULTS}.
 */
export interface PluginRegistryOptions {
  /** Credentials for plugins' `setup`; every secret it returns is redacted from what plugins hand back. */
  broker: CredentialBroker;
  /** Asked for CONFIRM/ADMIN calls without a matching approval in options. */
  approver?: Approver;
  /** ADMIN policy; default: the principal's roles include `"admin"`. */
  authorize?: AuthorizePolicy;
  /** Where failures are reported, secrets redacted; default `consoleLogger` (standard error). */
  logger?: Logger;
  /** Per-call limit for `executeAction`. */
  timeoutMs?: number;
  /** Limit for each `setup`. */
  setupTimeoutMs?: number;
  /** Limit for each `health`. */
  healthTimeoutMs?: number;
  /** Limit for the approver and the authorize policy (no answer = denied). */
  approvalTimeoutMs?: number;
  /** How long shutdown waits for in-flight calls, and each teardown (also a late setup's teardown). */
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

/** The defaults of the registry's time limits and of discovery's load limit, in milliseconds. */
export const REGISTRY_DEFAULTS = Object.freeze({
  timeoutMs: 30_000,
  setupTimeoutMs: 30_000,
  healthTimeoutMs: 5_000,
  approvalTimeoutMs: 120_000,
  shutdownTimeoutMs: 10_000,
  /** `discoverAndRegister` / `discoverPlugins`: limit for loading each `cortex.plugins` entry. */
  loadTimeoutMs: 10_000,
});

/** The registry's time limits, validated (see {@link timeLimits}). */
export type TimeLimits = Readonly<Record<Exclude<keyof typeof REGISTRY_DEFAULTS, "loadTimeoutMs">, number>>;

/**
 * `value` when it is a usable time limit (a number > 0, or `Infinity`), else
 * a `CORTEX_INVALID_OPTIONS` error naming `option` and what `owner` got.
 */
export function timeLimit(owner: string, option: string, value: unknown): number {
  if (isTimeLimit(value)) return value;
  throw new InvalidOptionsError(
    option,
    `${owner} option "${option}" must be a number > 0 (or Infinity for no limit); got ${shown(value)}`,
  );
}

function shown(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return value === null ? "null" : typeof value;
}

/**
 * The time limits of `new PluginRegistry(options)`: each given one checked,
 * each absent (`undefined`) one defaulted; a JavaScript caller's `null` is an
 * error. Throws `CORTEX_INVALID_OPTIONS` naming the first unusable option.
 */
export function timeLimits(options: { readonly [K in keyof TimeLimits]?: unknown }): TimeLimits {
  const { loadTimeoutMs: _discovery, ...limits }: Record<keyof typeof REGISTRY_DEFAULTS, number> = REGISTRY_DEFAULTS;
  for (const option of Object.keys(limits) as (keyof TimeLimits)[]) {
    const value = options[option];
    if (value !== undefined) limits[option] = timeLimit("PluginRegistry", option, value);
  }
  return limits;
}
