import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discoverPlugins, type DiscoveryReport } from "../src/index.js";
import { findPackageDir } from "@cortex/primitives";
import { esmClass, makeHost, manifest, writeTree } from "./discovery-fixtures.js";
import { makeRegistry } from "./fixtures.js";

describe("discovery with real packages", () => {
  let host: { root: string; app: string };
  let report: DiscoveryReport;
  const { registry } = makeRegistry();

  beforeAll(async () => {
    host = makeHost();
    report = await registry.discoverAndRegister({ cwd: host.app });
  });
  afterAll(() => rmSync(host.root, { recursive: true, force: true }));

  const failure = (pkg: string, plugin?: string) =>
    report.failed.find((f) => f.package === pkg && (plugin === undefined || f.plugin === plugin));

  it("registers ESM, CommonJS, scoped, symlinked, class, factory, object, default and main-entry plugins", () => {
    expect(report.registered).toEqual(
      expect.arrayContaining([
        { name: "esm", package: "esm-plugin" },
        { name: "cjs", package: "cjs-plugin" },
        { name: "scoped", package: "@acme/scoped-plugin" },
        { name: "factory", package: "factory-plugin" },
        { name: "async-factory", package: "factory-plugin" },
        { name: "object", package: "factory-plugin" },
        { name: "default-one", package: "default-plugin" },
        { name: "main-entry", package: "main-entry-plugin" },
        { name: "linked", package: "linked-plugin" },
        { name: "dup", package: "dup-a" },
        { name: "good", package: "bad-specs" },
      ]),
    );
    expect(report.registered).toHaveLength(11);
  });

  it("discovered plugins run through the registry", async () => {
    for (const name of ["esm", "cjs", "scoped", "linked", "main-entry"]) {
      expect(await registry.execute(name, "hello", {})).toEqual({ success: true, data: name });
    }
    expect(await registry.execute("dup", "hello", {})).toEqual({ success: true, data: "from a" });
  });

  it("reports packages without plugins and missing ones as skipped", () => {
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { package: "plain-dep", reason: "declares no cortex.plugins" },
        { package: "not-installed", reason: "not installed" },
      ]),
    );
  });

  it.each([
    ["throws-on-import", "boom", "CORTEX_PLUGIN_LOAD_FAILED", /import exploded/],
    ["throws-in-constructor", "ctor", "CORTEX_PLUGIN_LOAD_FAILED", /constructor exploded/],
    ["wrong-name", "calendar", "CORTEX_PLUGIN_NAME_MISMATCH", /named "not-calendar", not "calendar"/],
    ["dup-b", "dup", "CORTEX_DUPLICATE_PLUGIN", /already registered/],
    ["bad-specs", "absolute", "CORTEX_INVALID_SPECIFIER", /not absolute/],
    ["bad-specs", "escape", "CORTEX_INVALID_SPECIFIER", /outside the package/],
    ["bad-specs", "missing", "CORTEX_INVALID_SPECIFIER", /does not exist/],
    ["bad-specs", "malformed", "CORTEX_INVALID_SPECIFIER", /malformed/],
    ["bad-specs", "no-export", "CORTEX_PLUGIN_LOAD_FAILED", /no export "Nope"/],
    ["bad-specs", "not-a-string", "CORTEX_INVALID_SPECIFIER", /must be a string/],
    ["bad-specs", "Bad_Key", "CORTEX_INVALID_SPECIFIER", /not a valid plugin name/],
    ["bad-field", undefined, "CORTEX_INVALID_SPECIFIER", /must be an object/],
    ["broken-json", undefined, "CORTEX_DISCOVERY_FAILED", /cannot read package.json/],
  ])("reports %s (%s) as %s without stopping the rest", (pkg, plugin, code, message) => {
    const f = failure(pkg, plugin);
    expect(f, `${pkg} ${plugin ?? ""} not in failed`).toBeDefined();
    expect(f!.error.code).toBe(code);
    expect(f!.error.message).toMatch(message);
    // Discovery errors name the package; a registration error is reported under it.
    if (code !== "CORTEX_DUPLICATE_PLUGIN") expect(f!.error.message).toContain(`"${pkg}"`);
  });

  it("a load failure keeps the original error as cause", () => {
    expect((failure("throws-on-import")!.error.cause as Error).message).toBe("import exploded");
  });

  it("include limits the dependency fields read", async () => {
    const found = await discoverPlugins({ cwd: host.app, include: ["optionalDependencies"] });
    expect(found.plugins).toEqual([]);
    expect(found.skipped).toEqual([{ package: "not-installed", reason: "not installed" }]);
    expect(found.failed.map((f) => f.package)).toEqual(["bad-field"]);
  });

  it("finds packages by walking up node_modules and follows symlinks", async () => {
    expect(await findPackageDir(host.app, "linked-plugin")).toContain(join(".pnpm", "linked-plugin@1.0.0"));
    expect(await findPackageDir(host.app, "@acme/scoped-plugin")).toBe(
      join(host.root, "node_modules", "@acme", "scoped-plugin"),
    );
    expect(await findPackageDir(host.app, "../escape")).toBeUndefined();
    expect(await findPackageDir(host.app, "nothing-here")).toBeUndefined();
  });

  it("an unreadable host package.json throws CORTEX_DISCOVERY_FAILED", async () => {
    await expect(discoverPlugins({ cwd: join(host.root, "nowhere") })).rejects.toMatchObject({
      code: "CORTEX_DISCOVERY_FAILED",
    });
  });

  it("defaults to process.cwd()", async () => {
    const cwd = process.cwd();
    process.chdir(host.app);
    try {
      expect((await discoverPlugins()).plugins.length).toBe(12);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe("discovery of plugins whose metadata throws when read", () => {
  const root = mkdtempSync(join(tmpdir(), "cortex-discovery-getters-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  /** A plugin object whose `property` getter throws; everything else is fine. */
  const module = (name: string, property: string) => `const plugin = {
  name: ${JSON.stringify(name)}, version: "1.0.0", description: "fixture",
  setup() {}, teardown() {}, health() { return { plugin: ${JSON.stringify(name)}, status: "HEALTHY" }; },
  listActions() { return [{ name: "hello", description: "says hello", tier: "AUTO" }]; },
  executeAction() { return { success: true }; },
};
Object.defineProperty(plugin, ${JSON.stringify(property)}, { get() { throw new Error("${property} getter broke"); } });
export const create = () => plugin;
`;
  const broken = ["name", "version", "description", "listActions", "executeAction"];

  it("reports each broken package as failed with a coded error, and still registers every other plugin", async () => {
    const app = join(root, "app");
    const packages: Record<string, string | object> = {
      "fine/package.json": manifest("fine", { fine: "./index.mjs#Fine" }),
      "fine/index.mjs": esmClass("Fine", "fine"),
      "proxy/package.json": manifest("proxy", { proxy: "./index.mjs#create" }),
      "proxy/index.mjs": `export const create = () => new Proxy({}, { get() { throw new Error("trap broke"); } });\n`,
    };
    for (const property of broken) {
      const pkg = `getter-${property.toLowerCase()}`;
      packages[`${pkg}/package.json`] = manifest(pkg, { [pkg]: "./index.mjs#create" });
      packages[`${pkg}/index.mjs`] = module(pkg, property);
    }
    writeTree(join(root, "node_modules"), packages);
    const deps = ["proxy", ...broken.map((p) => `getter-${p.toLowerCase()}`), "fine"];
    writeTree(app, {
      "package.json": { name: "host", private: true, dependencies: Object.fromEntries(deps.map((d) => [d, "1.0.0"])) },
    });
    const { registry } = makeRegistry();
    const report = await registry.discoverAndRegister({ cwd: app });
    expect(report.registered).toEqual([{ name: "fine", package: "fine" }]);
    expect(registry.names()).toEqual(["fine"]);
    expect(report.failed.map((f) => f.package).sort()).toEqual(deps.filter((d) => d !== "fine").sort());
    for (const failure of report.failed) {
      expect(failure.error.code).toMatch(/^CORTEX_(PLUGIN_LOAD_FAILED|INVALID_PLUGIN)$/);
      expect(failure.error.message).toMatch(/getter broke|trap broke/);
    }
    expect(await registry.execute("fine", "hello", {})).toEqual({ success: true, data: "fine" });
  });
});

describe("MCP servers a host declares", () => {
  it("need @cortex/mcp installed: without it, one coded failure names the package, and the plugins still register", async () => {
    const root = mkdtempSync(join(tmpdir(), "cortex-discovery-mcp-"));
    try {
      writeTree(root, {
        "app/package.json": {
          name: "mcp-host",
          dependencies: { "esm-plugin": "1.0.0" },
          cortex: { mcpServers: { tiny: { command: "node", args: ["server.js"] } } },
        },
        "app/node_modules/esm-plugin/package.json": manifest(
          "esm-plugin",
          { esm: "./index.js#EsmPlugin" },
          { type: "module" },
        ),
        "app/node_modules/esm-plugin/index.js": esmClass("EsmPlugin", "esm"),
      });
      const { registry } = makeRegistry();
      const report = await registry.discoverAndRegister({ cwd: join(root, "app") });
      expect(report.registered).toEqual([{ name: "esm", package: "esm-plugin" }]);
      expect(report.failed).toHaveLength(1);
      expect(report.failed[0]).toMatchObject({ package: "mcp-host", error: { code: "CORTEX_PLUGIN_LOAD_FAILED" } });
      expect(report.failed[0]!.error.message).toMatch(/cortex\.mcpServers.*npm install @cortex\/mcp/);
      const without = await makeRegistry().registry.discoverAndRegister({ cwd: join(root, "app"), mcpServers: false });
      expect(without.failed).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
