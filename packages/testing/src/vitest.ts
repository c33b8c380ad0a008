import type { Plugin } from "@cortex/plugins";
import { afterEach, beforeEach, describe, it } from "vitest";
import {
  CONTRACT_CHECKS,
  runContractCheck,
  type ContractCheckName,
  type PluginContractOptions,
  type PluginFactory,
} from "./contract.js";
import { TESTING_DEFAULTS } from "./defaults.js";
import { HarnessUsageError } from "./errors.js";
import { createPluginHarness, type PluginHarness, type PluginHarnessOptions } from "./harness.js";

/**
 * A fresh harness for every test: `beforeEach` creates it from `factory`
 * (a new plugin instance each time), `afterEach` tears it down. Call it in a
 * `describe` body or at the top of a test file; read the harness inside a
 * test through the returned getter. `options` may be a function, to build
 * per-test options (e.g. a new broker).
 */
export function usePluginHarness<P extends Plugin>(
  factory: PluginFactory<P>,
  options: PluginHarnessOptions | (() => PluginHarnessOptions) = {},
): () => PluginHarness<P> {
  let current: PluginHarness<P> | undefined;
  beforeEach(async () => {
    current = await createPluginHarness(factory, typeof options === "function" ? options() : options);
  });
  afterEach(async () => {
    const harness = current;
    current = undefined;
    await harness?.teardown();
  });
  return () => {
    if (current === undefined) {
      throw new HarnessUsageError(
        "usePluginHarness(): the harness exists only while a test runs (between beforeEach and afterEach); " +
          "call the getter inside it(), not in a describe body",
      );
    }
    return current;
  };
}

/**
 * Declares a `describe(name)` block with one `it` per contract check (see
 * `CONTRACT_CHECKS`); a failing check fails its test with the check's
 * message. Call it from a plugin package's own test file. Each test may
 * take up to four times `options.timeoutMs` (default 5 000 ms).
 */
export function describePluginContract(
  name: string,
  factory: PluginFactory,
  options: PluginContractOptions = {},
): void {
  describe(name, () => {
    for (const check of Object.keys(CONTRACT_CHECKS) as ContractCheckName[]) {
      it(
        CONTRACT_CHECKS[check],
        async () => {
          const result = await runContractCheck(check, factory, options);
          if (!result.passed) throw new Error(`plugin contract "${check}" failed: ${result.message ?? "no detail"}`);
        },
        // A check may run setup, an action and teardown, each with its own limit.
        TESTING_DEFAULTS.checkTimeoutFactor * (options.timeoutMs ?? TESTING_DEFAULTS.contractTimeoutMs),
      );
    }
  });
}
