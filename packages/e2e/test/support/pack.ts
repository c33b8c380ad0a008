import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The repository root. */
export const WORKSPACE = resolve(import.meta.dirname, "../../../..");
/** Where packed tarballs are kept between runs: not the temp folder, which each test run has its own of. */
const TARBALL_CACHE = join(WORKSPACE, "node_modules", ".cache", "cortex-e2e");

/** The packages these tests install from tarballs, with their folders. */
export const PACKAGES = {
  "@cortex/cli": "packages/cli",
  "@cortex/core": "packages/core",
  "@cortex/hooks": "packages/hooks",
  "@cortex/mcp": "packages/mcp",
  "@cortex/model-ai-sdk": "packages/model-ai-sdk",
  "@cortex/model-openai": "packages/model-openai",
  "@cortex/otel": "packages/otel",
  "@cortex/plugins": "packages/plugins",
  "@cortex/primitives": "packages/primitives",
  "@cortex/queue-bullmq": "packages/queue-bullmq",
  "@cortex/server": "packages/server",
  "@cortex/store-postgres": "packages/store-postgres",
  "@cortex/testing": "packages/testing",
  "@cortex/plugin-calendar": "plugins/calendar",
  "@cortex/plugin-files": "plugins/files",
} as const;

/** A package name of {@link PACKAGES}. */
export type PackedName = keyof typeof PACKAGES;

/** What a command did. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Settings of the pnpm/vitest process that must not leak into npm or a nested vitest.
const KEEP_NPM = /^npm_config_(registry|cache|proxy|https_proxy|noproxy|no_proxy|strict_ssl|cafile|userconfig)$/i;
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|VITEST|TINYPOOL|CORTEX_)/i.test(key) && !KEEP_NPM.test(key)) continue;
    if (key === "NODE_ENV" || key === "TEST") continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a command (through a shell on Windows, for npm.cmd), collecting its output; never rejects for a non-zero exit. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
      shell: process.platform === "win32",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Like {@link run}, but rejects with the command's output when it exits non-zero. */
export async function mustRun(command: string, args: string[], options: Parameters<typeof run>[2]): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `\`${command} ${args.join(" ")}\` in ${options.cwd} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
  return result;
}

/** `npm install` in `dir`, quietly and from the cache when it can. */
export function npmInstall(dir: string, args: string[] = []): Promise<RunResult> {
  return mustRun("npm", ["install", ...args, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
    cwd: dir,
  });
}

/** A new folder outside the workspace (the system temp folder). */
export async function tempProject(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a temp folder unless CORTEX_E2E_KEEP is set (to inspect a failure; the run's temp folder is then kept too). */
export async function removeProject(dir: string | undefined): Promise<void> {
  if (dir !== undefined && !process.env.CORTEX_E2E_KEEP) await rm(dir, { recursive: true, force: true });
}

async function fingerprint(dir: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await fingerprint(path, hash);
    else {
      const info = await stat(path);
      hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
    }
  }
}

async function cacheKey(): Promise<string> {
  const hash = createHash("sha256");
  for (const folder of Object.values(PACKAGES)) {
    hash.update(await readFile(join(WORKSPACE, folder, "package.json")));
    await fingerprint(join(WORKSPACE, folder, "dist"), hash);
  }
  return hash.digest("hex").slice(0, 16);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Packs each package of {@link PACKAGES} with `pnpm pack` (which rewrites
 * `workspace:^` to real ranges, as publishing does) once per set of built
 * files: the tarballs go to a folder of `node_modules/.cache` named by a
 * hash of the packages' package.json and dist files, so the test files of
 * one run (separate workers, maybe in parallel) and later runs of the same
 * build (CI's runs on other Node versions) share them. A lock folder makes one worker
 * pack while the others wait. Resolves to the tarball path of each package.
 */
export async function packedTarballs(): Promise<Record<PackedName, string>> {
  const dir = join(TARBALL_CACHE, `cortex-e2e-tarballs-${await cacheKey()}`);
  const index = join(dir, "tarballs.json");
  const lock = `${dir}.lock`;
  await mkdir(TARBALL_CACHE, { recursive: true });
  for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
    const done = await readFile(index, "utf8").catch(() => undefined);
    if (done !== undefined) return JSON.parse(done) as Record<PackedName, string>;
    try {
      await mkdir(lock);
    } catch {
      // Another worker packs; take over only from one that died (a lock older than 3 minutes).
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 180_000) await rm(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      await removeStale(TARBALL_CACHE);
      const staging = await mkdtemp(`${dir}.staging-`);
      // In parallel: each `pnpm pack` writes only its own tarball.
      const packed = await Promise.all(
        (Object.entries(PACKAGES) as [PackedName, string][]).map(async ([name, folder]) => {
          await mustRun("pnpm", ["pack", "--pack-destination", staging], { cwd: join(WORKSPACE, folder) });
          return [name, join(dir, `${name.slice(1).replace("/", "-")}-${await versionOf(folder)}.tgz`)] as const;
        }),
      );
      const tarballs = Object.fromEntries(packed) as Record<PackedName, string>;
      await writeFile(join(staging, "tarballs.json"), JSON.stringify(tarballs, null, 2));
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
      return tarballs;
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
  throw new Error(`timed out waiting for another test worker to pack the tarballs (lock ${lock})`);
}

/** Tarball folders of earlier runs (other builds), after a day. */
async function removeStale(parent: string): Promise<void> {
  for (const name of await readdir(parent).catch(() => [])) {
    if (!name.startsWith("cortex-e2e-tarballs-")) continue;
    const path = join(parent, name);
    const age = await stat(path).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > 86_400_000) await rm(path, { recursive: true, force: true });
  }
}

async function versionOf(folder: string): Promise<string> {
  return (JSON.parse(await readFile(join(WORKSPACE, folder, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * npm `overrides` pointing every `@cortex/*` package at its tarball, so npm
 * never asks the registry for them (they are unpublished, or published at
 * other versions). A name the project depends on directly must be
 * overridden with the same spec it is depended on with.
 */
export function tarballOverrides(tarballs: Record<PackedName, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
}
