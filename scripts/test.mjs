#!/usr/bin/env node
// Runs every package's tests through turbo and prints one closing line for
// the whole repository. Old reports are removed first so that a package that
// crashed before writing its report cannot be counted from a previous run;
// the exit status is non-zero when turbo failed, any test failed, or no test
// ran at all.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const reports = () =>
  ["packages", "plugins"].flatMap((group) => {
    const dir = join(root, group);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((name) => join(dir, name, "test-results.json"))
      .filter((file) => existsSync(file));
  });

for (const file of reports()) rmSync(file);

const turbo = spawnSync("turbo", ["run", "test", "--continue", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  shell: process.platform === "win32",
});

let passed = 0;
let failed = 0;
let skipped = 0;
const found = reports();
for (const file of found) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`\nNode ${process.version}, ${found.length} packages tested`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (turbo.status !== 0) console.error(`turbo exited with ${turbo.status ?? turbo.signal}`);
process.exit(turbo.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
