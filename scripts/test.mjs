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

function firstLine(text) {
  const line =
    String(text ?? "")
      .replace(/\u001b\[[0-9;]*m/g, "")
      .split("\n")
      .find((l) => l.trim() !== "") ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

for (const file of reports()) rmSync(file);

const turbo = spawnSync("turbo", ["run", "test", "--continue", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  shell: process.platform === "win32",
});

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const found = reports();
for (const file of found) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const suite of report.testResults ?? []) {
    const where = suite.name?.startsWith(root) ? suite.name.slice(root.length) : suite.name;
    // A file that failed to load has no assertions, only its own message.
    if (suite.status === "failed" && (suite.assertionResults ?? []).length === 0) {
      failures.push(`${where}: ${firstLine(suite.message)}`);
    }
    for (const test of suite.assertionResults ?? []) {
      if (test.status === "failed")
        failures.push(`${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    }
  }
}
// Last, so that a log cut to its tail still names what failed and why.
for (const failure of failures) console.log(`FAILED ${failure}`);
console.log(`\nNode ${process.version}, ${found.length} packages tested`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (turbo.status !== 0) console.error(`turbo exited with ${turbo.status ?? turbo.signal}`);
process.exit(turbo.status !== 0 || failed > 0 || passed === 0 ? 1 : 0);
