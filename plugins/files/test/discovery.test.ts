import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PluginRegistry, silentLogger } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The built package (turbo builds it before the tests), installed
// in a host app the way a package manager would: a symlink in node_modules.
const pkgDir = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
  name: string;
  version: string;
  cortex: { plugins: Record<string, string> };
};

let base: string;
let app: string;
let sandbox: string;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), "cortex-files-host-")));
  app = join(base, "app");
  sandbox = join(base, "sandbox");
  mkdirSync(join(app, "node_modules", "@cortex"), { recursive: true });
  mkdirSync(sandbox);
  writeFileSync(join(sandbox, "hello.txt"), "hello from the sandbox");
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "host-app", private: true, dependencies: { "@cortex/plugin-files": manifest.version } }),
  );
  symlinkSync(pkgDir, join(app, "node_modules", "@cortex", "plugin-files"), "dir");
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("discovery", () => {
  it('declares "files" in cortex.plugins, pointing at the ESM build', () => {
    expect(manifest.cortex.plugins).toEqual({ files: "./dist/index.js#FilesPlugin" });
  });

  it("is found by discoverAndRegister in a host that depends on it, and works", async () => {
    const registry = new PluginRegistry({ broker: new FakeBroker({ files_root: sandbox }), logger: silentLogger });
    try {
      const report = await registry.discoverAndRegister({ cwd: app });
      expect(report.failed).toEqual([]);
      expect(report.registered).toEqual([{ name: "files", package: "@cortex/plugin-files" }]);
      expect(registry.listActions().map((a) => `${a.plugin}.${a.name}`)).toEqual([
        "files.list",
        "files.read",
        "files.search",
        "files.write",
        "files.move",
        "files.delete",
      ]);
      const setup = await registry.setupAllPending();
      expect(setup.failed).toEqual([]);
      expect(await registry.execute("files", "read", { path: "hello.txt" })).toMatchObject({
        success: true,
        data: { content: "hello from the sandbox" },
      });
      expect(await registry.health("files")).toMatchObject({ status: "HEALTHY" });
    } finally {
      await registry.shutdown();
    }
  });
});
