import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discoverPlugins, type DiscoveryResult, type Plugin } from "@cortex/plugins";

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
 * Creates a host whose package.json depends on `packageName` and whose
 * `node_modules/<packageName>` links to `packageDir` — what `npm install`
 * of the published package gives, minus the copying. Discovery follows the
 * link, so the plugin resolves its own dependencies from `packageDir`.
 */
export async function throwawayHost(packageDir: string, packageName: string): Promise<ThrowawayHost> {
  const dir = await mkdtemp(join(tmpdir(), "cortex-check-plugin-"));
  const link = join(dir, "node_modules", ...packageName.split("/"));
  await mkdir(join(link, ".."), { recursive: true });
  await symlink(packageDir, link, process.platform === "win32" ? "junction" : "dir");
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "cortex-check-plugin-host", private: true, dependencies: { [packageName]: "*" } }, null, 2),
  );
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
