import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Builds this package (tsup) before the tests: the discovery test loads the
 * plugin from `dist/` exactly as a host project would. Other tests import
 * `src/` and do not depend on the build.
 */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const tsupPackage = createRequire(join(root, "package.json")).resolve("tsup/package.json");
  const cli = join(dirname(tsupPackage), "dist", "cli-default.js");
  execFileSync(process.execPath, [cli, "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}
