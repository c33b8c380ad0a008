import { defineConfig, type Options } from "tsup";

/**
 * The one build every Cortex package shares: ESM + CommonJS + declarations
 * (`.d.ts` and `.d.cts`) + sourcemaps, from `src/index.ts` into `dist/`.
 * A package's own `tsup.config.ts` calls this with at most a few overrides
 * (extra entry points, a banner for a bin), so a bundler switch stays small.
 */
export function cortexTsupConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "node20",
    platform: "node",
    splitting: false,
    treeshake: true,
    ...overrides,
  });
}
