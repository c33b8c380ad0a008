import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll } from "vitest";
import { main } from "../src/index.js";

/** The built bin. */
export const CLI = join(import.meta.dirname, "../dist/cli.js");
const WORKSPACE = join(import.meta.dirname, "../../..");

/**
 * How long a spawned `cortex` may run before it is killed: a hang guard, far above the seconds a
 * command takes alone and the tens of seconds it can take where every package's tests share two cores.
 */
export const HANG_GUARD_MS = 90_000;

/** What a spawned `cortex` did. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** With `interruptWhen`: how long the process took to end after its SIGINT. */
  afterInterruptMs?: number;
}

/** Options of {@link cortex}. */
export interface CliOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed; stdin is never a terminal here. */
  input?: string;
  /** Killed (code null) after this long; default {@link HANG_GUARD_MS}. */
  timeoutMs?: number;
  /** Sends SIGINT (Ctrl+C) once this settles: when the command is known to be under way, however long it took to start. */
  interruptWhen?: Promise<unknown>;
}

/**
 * Spawns `node dist/cli.js ...args` with a clean environment (no inherited
 * CORTEX_* variables) and pipes for every stream, so nothing is a terminal.
 */
export function cortex(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const env = cliEnv(options.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? tmpdir(), env, stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? HANG_GUARD_MS);
    let interruptedAt: number | undefined;
    let closed = false;
    const interrupt = () => {
      if (closed) return;
      interruptedAt = performance.now();
      child.kill("SIGINT");
    };
    void options.interruptWhen?.then(interrupt, interrupt);
    child.on("error", reject);
    child.on("close", (code) => {
      closed = true;
      clearTimeout(timer);
      const afterInterruptMs = interruptedAt === undefined ? undefined : performance.now() - interruptedAt;
      resolve({ code, stdout, stderr, ...(afterInterruptMs === undefined ? {} : { afterInterruptMs }) });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** This process's environment without its CORTEX_* variables, with NO_COLOR and `extra`. */
function cliEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith("CORTEX_")) env[key] = value;
  return Object.assign(env, { NO_COLOR: "1" }, extra);
}

/** A `cortex` process left running: its output so far, a wait for a line of its stderr, and its exit. */
export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr matches `pattern`; rejects if the process exits first. */
  stderrMatches(pattern: RegExp): Promise<void>;
  /** Resolves to the exit status once the process has exited and its streams have closed. */
  exited: Promise<number | null>;
}

/** Spawns `node dist/cli.js ...args` like {@link cortex}, without waiting for it to end (a server, a worker). */
export function startCortex(args: string[], options: Pick<CliOptions, "cwd" | "env"> = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: cliEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiting = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    for (const check of waiting) check();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    stderrMatches: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stderr)) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
        void exited.then((code) =>
          reject(new Error(`cortex ${args[0]} exited with ${code} before ${pattern}: ${stderr}`)),
        );
      }),
  };
}

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Removes `dir` after the test file (e.g. a demo's working folder, which the demo keeps). */
export function removeLater(dir: string): void {
  made.push(dir);
}

/** A temp folder removed after the test file. */
export async function tempDir(prefix = "cortex-cli-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A host project: package.json depending on the given packages, node_modules/@cortex/* linked to the workspace. */
export interface Host {
  dir: string;
  /** The files plugin's root (a folder inside the host). */
  root: string;
  /** The calendar's .ics file. */
  ics: string;
  /** Environment giving both sample plugins their settings. */
  env: Record<string, string>;
}

const PACKAGES: Record<string, string> = {
  "@cortex/plugin-files": "plugins/files",
  "@cortex/plugin-calendar": "plugins/calendar",
};

/** Creates a host project whose package.json depends on the sample plugins (or `extra` dependencies too). */
export async function makeHost(extra: Record<string, string> = {}): Promise<Host> {
  const dir = await tempDir("cortex-cli-host-");
  const dependencies: Record<string, string> = { ...extra };
  await mkdir(join(dir, "node_modules/@cortex"), { recursive: true });
  for (const [name, folder] of Object.entries(PACKAGES)) {
    dependencies[name] = "workspace:*";
    await symlink(join(WORKSPACE, folder), join(dir, "node_modules", name), "dir");
  }
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "host", private: true, dependencies }, null, 2));
  const root = join(dir, "sandbox");
  await mkdir(root);
  await writeFile(join(root, "hello.txt"), "hello from the sandbox\n");
  const ics = join(dir, "calendar.ics");
  return { dir, root, ics, env: { CORTEX_FILES_ROOT: root, CORTEX_CALENDAR_ICS_PATH: ics } };
}

/** Runs `main` in this process with fake streams (nothing is a terminal, no colours) and collects its output. */
export async function inProcess(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; color?: boolean } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdin: new PassThrough(),
    stdout: { write: (chunk: string) => ((stdout += chunk), true) },
    stderr: { write: (chunk: string) => ((stderr += chunk), true) },
    env: options.env ?? {},
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    color: options.color ?? false,
  });
  return { code, stdout, stderr };
}
