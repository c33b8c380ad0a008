import { fileURLToPath } from "node:url";
import { cortexVitestConfig } from "../../vitest.config.base.js";

// The README example imports this package by name, as users do; point the
// names at the sources so its test runs without a build.
const src = (file: string) => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default cortexVitestConfig({
  alias: [
    { find: /^@cortex\/testing$/, replacement: src("index.ts") },
    { find: /^@cortex\/testing\/vitest$/, replacement: src("vitest.ts") },
  ],
});
