import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { sleep } from "./fixtures.js";

/** Collects unhandled rejections while `run` goes on (and a turn after it). */
export async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => void seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await run();
    await sleep(20);
  } finally {
    process.off("unhandledRejection", listener);
  }
  return seen;
}

/** The messages of every process warning named `name` emitted while `run` goes on (and a turn after it). */
export async function warningsDuring(name: string, run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error) => {
    if (warning.name === name) seen.push(warning.message);
  };
  process.on("warning", listener);
  try {
    await run();
    await sleep(20);
  } finally {
    process.off("warning", listener);
  }
  return seen;
}

// Child processes import the sources through tsx, as the bench does.
const srcIndex = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cortex-plugins-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs `body` as an ES module in a child Node process (with `flags`), after
 * lines that import `MemoryBroker`, `PluginRegistry` and `silentLogger` from
 * the sources and define `plugin(executeAction)`: a plugin "p" with an AUTO
 * action "a" and a CONFIRM action "c". The child is killed (code null) after
 * `killAfterMs`: a hang guard, far above what starting it takes on a loaded
 * machine (seconds); scripts that do much work pass more, with a test timeout above it.
 */
export function runScript(
  name: string,
  body: string,
  flags: string[] = [],
  killAfterMs = 50_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `${name}.mts`);
  writeFileSync(
    file,
    `import { MemoryBroker, PluginRegistry, silentLogger } from ${JSON.stringify(srcIndex)};
const plugin = (executeAction) => ({
  name: "p", version: "1.0.0", description: "", setup() {}, teardown() {}, health: () => ({ plugin: "p", status: "HEALTHY" }),
  listActions: () => [{ name: "a", description: "", tier: "AUTO" }, { name: "c", description: "", tier: "CONFIRM" }],
  executeAction,
});
${body}`,
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...flags, "--import", "tsx", file],
      { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: killAfterMs },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}
