import type { Plugin } from "@cortex/plugins";
import { checkTimeLimit } from "@cortex/primitives";
import { ACTION_CHECKS } from "./contract-actions.js";
import { CHECKS as BASIC_CHECKS } from "./contract-checks.js";
import type { Check } from "./contract-helpers.js";
import { CheckFailed, describeError } from "./contract-helpers.js";
import type { PluginHarnessOptions } from "./harness.js";

/** Makes a fresh plugin instance; the contract calls it once per check. */
export type PluginFactory<P extends Plugin = Plugin> = () => P | PromiseLike<P>;

/** Options of {@link checkPluginContract}. */
export interface PluginContractOptions extends Pick<PluginHarnessOptions, "credentials" | "broker"> {
  /**
   * Params that pass validation, per CONFIRM/ADMIN action, so the approval
   * check proves the *tier* stopped the call. Without them the check calls
   * with `{}` and also accepts `CORTEX_VALIDATION_FAILED` as "did not run",
   * which only proves the call stopped somewhere before the plugin's code.
   */
  validParams?: Readonly<Record<string, Record<string, unknown>>>;
  /** Limit for each plugin method the contract calls directly; default 5 000 ms; `Infinity` for none. */
  timeoutMs?: number;
}

/** What each check verifies, by name; `describePluginContract` uses these as test titles. */
export const CONTRACT_CHECKS = {
  metadata: "has a non-empty name, a semver version and a description",
  "unique-actions": "lists each action name once",
  schemas: "has parameter schemas that compile",
  registers: "is accepted by PluginRegistry.register",
  setup: "sets up with the given credentials",
  "stable-actions": "lists the same actions on every call",
  "unknown-action": "answers an unknown action with a failure result, not a throw",
  reachable: "reaches every action it lists (none is answered as an unknown action)",
  examples: "has examples that pass their schemas, and runs each AUTO action with them without a crash",
  health: "reports health naming itself",
  teardown: "tears down idempotently",
  approval: "runs no CONFIRM/ADMIN action without approval",
} as const;

/** The name of one contract check. */
export type ContractCheckName = keyof typeof CONTRACT_CHECKS;

const CHECKS: Record<ContractCheckName, Check> = { ...BASIC_CHECKS, ...ACTION_CHECKS };

/** Outcome of one check. `message` says why it failed (or, on a pass, what was weak about it). */
export interface ContractCheckResult {
  name: ContractCheckName;
  passed: boolean;
  message?: string;
}

/** Outcome of the whole contract: `passed` when every check passed. */
export interface ContractReport {
  passed: boolean;
  checks: ContractCheckResult[];
}

/**
 * Runs one contract check against fresh instances from `factory`. Never
 * throws for a plugin's fault: the result says what went wrong. A
 * `timeoutMs` that is not a number > 0 rejects with `CORTEX_INVALID_OPTIONS`.
 */
export async function runContractCheck(
  name: ContractCheckName,
  factory: PluginFactory,
  options: PluginContractOptions = {},
): Promise<ContractCheckResult> {
  if (options.timeoutMs !== undefined) checkTimeLimit("checkPluginContract", "timeoutMs", options.timeoutMs);
  try {
    const outcome = await CHECKS[name](factory, options);
    if (outcome === undefined) return { name, passed: true };
    if (typeof outcome === "object") return { name, passed: true, message: outcome.note };
    return { name, passed: false, message: outcome };
  } catch (error) {
    const message = error instanceof CheckFailed ? error.message : `the check threw: ${describeError(error)}`;
    return { name, passed: false, message };
  }
}

/**
 * Checks what every plugin must satisfy (see {@link CONTRACT_CHECKS}), each
 * check with fresh instances from `factory`, one after another. Framework
 * free: assert on `report.passed`, or use `describePluginContract` from
 * `@cortex/testing/vitest` for one test per check. A `timeoutMs` that is
 * not a number > 0 rejects with `CORTEX_INVALID_OPTIONS` before any check.
 */
export async function checkPluginContract(
  factory: PluginFactory,
  options: PluginContractOptions = {},
): Promise<ContractReport> {
  if (options.timeoutMs !== undefined) checkTimeLimit("checkPluginContract", "timeoutMs", options.timeoutMs);
  const checks: ContractCheckResult[] = [];
  for (const name of Object.keys(CONTRACT_CHECKS) as ContractCheckName[]) {
    checks.push(await runContractCheck(name, factory, options));
  }
  return { passed: checks.every((c) => c.passed), checks };
}
