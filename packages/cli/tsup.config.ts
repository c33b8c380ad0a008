import { cortexTsupConfig } from "../../tsup.config.base.js";

// Two builds into one dist: the library (ESM + CJS + types) and the `cortex`
// bin (ESM only; tsup keeps src/cli.ts's `#!/usr/bin/env node` and makes the
// file executable). Each cleans only its own files, as they run in parallel.
export default [
  // shims: import.meta.url in the CommonJS build (the scaffold resolves installed packages from it).
  cortexTsupConfig({ clean: ["!cli.*"], shims: true }),
  cortexTsupConfig({ entry: ["src/cli.ts"], format: ["esm"], dts: false, clean: ["!index.*"] }),
];
