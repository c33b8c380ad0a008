#!/usr/bin/env node
// `pnpm demo`: builds the CLI and the packages it needs through turbo (served
// from cache after the first time), then runs `cortex demo` from the built
// CLI, passing arguments through (`pnpm demo --yes`, `pnpm demo --offline`).
//
// Without a terminal (CI, the README's quick start piped somewhere) nobody can
// answer the approval prompts, so this script adds --yes and says so: the quick
// start then shows the whole happy path. `--no-yes` keeps the refusal path
// (the demo then explains and denies each CONFIRM call).
/* global console, process, URL */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const windows = process.platform === "win32";
const turbo = join(root, "node_modules", ".bin", windows ? "turbo.cmd" : "turbo");
if (!existsSync(turbo)) {
  console.error("turbo is not installed here: run `pnpm install` first.");
  process.exit(1);
}

console.log("Building @cortex/cli and its dependencies (cached after the first run)...");
const build = spawnSync(turbo, ["run", "build", "--filter=@cortex/cli...", "--output-logs=errors-only"], {
  cwd: root,
  stdio: "inherit",
  shell: windows,
});
if (build.status !== 0) {
  console.error(`\nThe build failed (${build.status ?? build.signal}); see the output above.`);
  process.exit(build.status ?? 1);
}

let args = process.argv.slice(2);
if (args[0] === "--") args = args.slice(1);
const noYes = args.includes("--no-yes");
args = args.filter((arg) => arg !== "--no-yes");
const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
if (!interactive && !noYes && !args.includes("--yes") && !args.includes("-y")) {
  console.log(
    "\nNo terminal to answer approval prompts, so this runs `cortex demo --yes`: every CONFIRM call is approved\n" +
      "automatically. Run `pnpm demo` in a terminal to approve each call yourself, or `pnpm demo --no-yes` to see\n" +
      "them denied.\n",
  );
  args.push("--yes");
} else {
  console.log();
}

const cli = join(root, "packages", "cli", "dist", "cli.js");
const demo = spawnSync(process.execPath, [cli, "demo", ...args], { cwd: root, stdio: "inherit" });
process.exit(demo.status ?? 130);
