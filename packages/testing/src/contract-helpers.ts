import { isDeepStrictEqual } from "node:util";
import { isCortexError, type Plugin, type PluginActionInfo } from "@cortex/plugins";
import { withDeadline } from "@cortex/primitives";
import type { PluginContractOptions, PluginFactory } from "./contract.js";
import { TESTING_DEFAULTS } from "./defaults.js";
import { createPluginHarness, type PluginHarness } from "./harness.js";

// Shared by the contract checks: fresh harnesses, time limits, messages.

/** Semver 2.0 `major.minor.patch[-pre][+build]`, the pattern the registry warns on. */
export const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** A check could not go on; its message is the failure. */
export class CheckFailed extends Error {}

/** Ends a check with `message` as its failure. */
export const fail = (message: string): never => {
  throw new CheckFailed(message);
};

/** `CODE: message` for Cortex errors, the message for others. */
export const describeError = (error: unknown): string =>
  isCortexError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);

/** The limit for each plugin method a check calls. */
export const timeoutOf = (options: PluginContractOptions): number =>
  options.timeoutMs ?? TESTING_DEFAULTS.contractTimeoutMs;

/** `work()`, or a {@link CheckFailed} when it does not settle within `ms`. */
export function limit<T>(what: string, ms: number, work: () => T | PromiseLike<T>): Promise<T> {
  return withDeadline(() => work(), {
    timeoutMs: ms,
    timeoutError: () => new CheckFailed(`${what} did not settle within ${ms} ms`),
  });
}

/** A failure message, nothing (passed), or a note on a pass that proved less than it could. */
export type Outcome = string | undefined | { note: string };
/** One check: runs against fresh instances from the factory. */
export type Check = (factory: PluginFactory, options: PluginContractOptions) => Promise<Outcome>;

/** A harness for a fresh plugin (or `source`); a failure to register or set up ends the check. */
export async function harnessOf(factory: PluginFactory, options: PluginContractOptions, source?: Plugin) {
  const { credentials, broker } = options;
  try {
    return await createPluginHarness(source ?? factory, {
      ...(credentials === undefined ? {} : { credentials }),
      ...(broker === undefined ? {} : { broker }),
      timeoutMs: timeoutOf(options),
      setupTimeoutMs: timeoutOf(options),
      healthTimeoutMs: timeoutOf(options),
      shutdownTimeoutMs: timeoutOf(options),
    });
  } catch (error) {
    return fail(`could not register and set up the plugin: ${describeError(error)}`);
  }
}

/** Runs `use` with a fresh harness and always tears it down. */
export async function withHarness<T>(
  factory: PluginFactory,
  options: PluginContractOptions,
  use: (h: PluginHarness) => Promise<T>,
  source?: Plugin,
): Promise<T> {
  const harness = await harnessOf(factory, options, source);
  try {
    return await use(harness);
  } finally {
    await harness.teardown();
  }
}

/** The plugin's own action list; a non-array ends the check. */
export const actionsOf = (plugin: Plugin): PluginActionInfo[] => {
  const actions: unknown = plugin.listActions();
  return Array.isArray(actions) ? (actions as PluginActionInfo[]) : fail("listActions() did not return an array");
};

/** Where two action lists first differ, for messages. */
export const where = (a: PluginActionInfo[], b: PluginActionInfo[]): string => {
  const i = a.findIndex((action, n) => !isDeepStrictEqual(action, b[n]));
  if (i === -1) return ` (${a.length} actions, then ${b.length})`;
  return ` (action ${i}, ${JSON.stringify(a[i]?.name)}: ${JSON.stringify(a[i])} then ${JSON.stringify(b[i])})`;
};
