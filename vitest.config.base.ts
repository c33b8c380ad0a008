import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

const TEMP_ROOT = fileURLToPath(new URL("./test-support/temp-root.ts", import.meta.url));

/**
 * Shared vitest settings. Each package's `vitest.config.ts` calls this.
 * Type-level tests (`test/**\/*.test-d.ts`) run through vitest's typecheck
 * mode, and every run writes `test-results.json` so the root `pnpm test`
 * can print one summary line for the whole repository. Each run's temp
 * files go to a folder of its own, removed when it ends (see
 * `test-support/temp-root.ts`); a package's own global setups run after it.
 */
export function cortexVitestConfig(overrides: ViteUserConfig["test"] = {}) {
  const { globalSetup = [], ...rest } = overrides;
  return defineConfig({
    test: {
      include: ["test/**/*.test.ts"],
      typecheck: {
        // Type tests check types with the TypeScript compiler, the same on every Node version:
        // CI runs them once, on its first Node, and turns them off with this variable after.
        enabled: process.env.CORTEX_TYPE_TESTS !== "off",
        include: ["test/**/*.test-d.ts"],
        tsconfig: "./tsconfig.json",
      },
      reporters: ["default", ["json", { outputFile: "test-results.json" }]],
      // A guard against hangs, not a speed check: CI runs every package's tests at
      // once, where a test that takes 1 s alone can take 20.
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...rest,
      globalSetup: [TEMP_ROOT, ...(Array.isArray(globalSetup) ? globalSetup : [globalSetup])],
    },
  });
}
