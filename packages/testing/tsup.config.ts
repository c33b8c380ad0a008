import { cortexTsupConfig } from "../../tsup.config.base.js";

// Two entries: the framework-free kit, and `@cortex/testing/vitest`, the only
// one that imports vitest (a peer dependency, never bundled). Splitting puts
// the shared code in one chunk so both entries use the same classes.
export default cortexTsupConfig({
  entry: ["src/index.ts", "src/vitest.ts"],
  external: ["vitest"],
  splitting: true,
});
