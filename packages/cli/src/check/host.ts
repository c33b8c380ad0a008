import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { discoverPlugins, type DiscoveryResult, type Plugin } from "@cortex/plugins";
import { isPlainObject } from "@cortex/primitives";

/** A host app, in a temporary folder, that depends on one package: discovery sees the package as users' apps will. */
export interface ThrowawayHost {
  dir: string;
  /** Runs discovery in the host (each call constructs fresh plugin instances). */
  discover(): Promise<DiscoveryResult>;
  /** A fresh instance of the plugin `name`, loaded by discovery; rejects when it does not load. */
  fresh(name: string): Promise<Plugin>;
  remove(): Promise<void>;
}

/**
 * Creates a host whose package.json depends on `packageName`, with
 * `node_modules/<packageName>` holding what `npm pack` of `packageDir`
 * publishes (extracted from the tarball), and beside it only the packages
 * it declares (`dependencies`, `peerDependencies`, `optionalDependencies`),
 * linked from where `packageDir` has them installed — what `npm install` of
 * the published package gives. A file left out of the package, or a
 * dependency it does not declare, fails to load here as it would for users.
 */
export async function throwawayHost(packageDir: string, packageName: string): Promise<ThrowawayHost> {
  const dir = await mkdtemp(join(tmpdir(), "cortex-check-plugin-"));
  try {
    const target = join(dir, "node_modules", ...packageName.split("/"));
    await mkdir(target, { recursive: true });
    const tarball = await npmPack(packageDir, dir);
    await run(
      "tar",
      ["-xzf", tarball, "-C", target, "--strip-components=1"],
      dir,
      "tar could not extract the npm pack tarball",
    );
    await rm(tarball, { force: true });
    const manifest: unknown = JSON.parse(await readFile(join(target, "package.json"), "utf8"));
    for (const name of declaredDependencies(manifest)) {
      if (name === packageName) continue;
      const installed = await findInstalled(packageDir, name);
      if (installed === undefined) continue; // not installed: loading reports it if the code needs it
      const link = join(dir, "node_modules", ...name.split("/"));
      await mkdir(dirname(link), { recursive: true });
      await symlink(installed, link, process.platform === "win32" ? "junction" : "dir");
    }
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify(
        { name: "cortex-check-plugin-host", private: true, dependencies: { [packageName]: "*" } },
        null,
        2,
      ),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const discover = () => discoverPlugins({ cwd: dir });
  return {
    dir,
    discover,
    async fresh(name) {
      const result = await discover();
      const found = result.plugins.find((p) => p.name === name);
      if (found) return found.plugin;
      throw result.failed.find((f) => f.plugin === name)?.error ?? new Error(`plugin "${name}" was not discovered`);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The names a manifest declares under dependencies, peerDependencies and optionalDependencies. */
function declaredDependencies(manifest: unknown): Set<string> {
  const names = new Set<string>();
  if (!isPlainObject(manifest)) return names;
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
    const deps = manifest[field];
    if (isPlainObject(deps)) for (const name of Object.keys(deps)) names.add(name);
  }
  return names;
}

/** Where `name` is installed as seen from `fromDir` (its node_modules, then each parent's), resolved to the real folder. */
async function findInstalled(fromDir: string, name: string): Promise<string | undefined> {
  let current = fromDir;
  for (;;) {
    const candidate = join(current, "node_modules", ...name.split("/"));
    if (
      await stat(candidate).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      return realpath(candidate);
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** Runs `npm pack` (lifecycle scripts off, so nothing is built or changed) into `destination`; resolves to the tarball's path. */
async function npmPack(packageDir: string, destination: string): Promise<string> {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const stdout = await run(
    npm,
    ["pack", "--json", "--ignore-scripts", "--pack-destination", destination],
    packageDir,
    "npm pack failed",
  );
  try {
    // npm may print lifecycle noise before the JSON; the report is the last top-level array.
    const [report] = JSON.parse(stdout.slice(stdout.indexOf("["))) as [{ filename: string }];
    return join(destination, report.filename.replace(/^@/, "").replace(/\//g, "-"));
  } catch (error) {
    throw new Error(`cannot read the output of npm pack --json: ${(error as Error).message}`, { cause: error });
  }
}

function run(command: string, args: string[], cwd: string, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd,
        timeout: 120_000,
        maxBuffer: 64 * 1024 * 1024,
        shell: process.platform === "win32",
        // npm's update check would reach for the registry, which a packing step never needs (and an offline machine may stall on).
        env: { ...process.env, npm_config_update_notifier: "false" },
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${what}: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}
