import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryBroker, PLUGIN_NAME_PATTERN, PluginRegistry, silentLogger, type Plugin } from "@cortex/plugins";
import { checkPluginContract } from "@cortex/testing";
import pluginsPkg from "@cortex/plugins/package.json" with { type: "json" };
import semver from "semver";
import { afterAll, describe, expect, it } from "vitest";
import { createPluginCommand } from "../src/commands/create-plugin.js";
import { peerRange } from "../src/scaffold/templates.js";
import { CLI_ERRORS } from "../src/index.js";
import { inProcess } from "./helpers.js";

const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

async function temp(parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, "cortex-create-plugin-"));
  made.push(dir);
  return dir;
}

/** `cortex create-plugin <dir> [--name] [--package]`, through the CLI's dispatcher. */
function create(args: { dir: string; name?: string; packageName?: string }) {
  return inProcess([
    "create-plugin",
    args.dir,
    ...(args.name === undefined ? [] : ["--name", args.name]),
    ...(args.packageName === undefined ? [] : ["--package", args.packageName]),
  ]);
}

interface Manifest {
  devDependencies: Record<string, string>;
  exports: Record<".", Record<"import" | "require", Record<string, string>>>;
}
const readJson = async (file: string) => JSON.parse(await readFile(file, "utf8")) as Manifest;

describe("create-plugin", () => {
  it("writes a complete plugin package", async () => {
    const dir = join(await temp(), "notes");
    const run = await create({ dir });
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain('Created cortex-plugin-notes (plugin "notes", factory createNotesPlugin)');
    const files = [...(await readdir(dir, { recursive: true }))].sort();
    expect(files).toEqual(
      [
        ".gitignore",
        "README.md",
        "package.json",
        "src",
        "src/index.ts",
        "src/plugin.ts",
        "test",
        "test/plugin.test.ts",
        "tsconfig.json",
        "tsup.config.ts",
        "vitest.config.ts",
      ].sort(),
    );
    const pkg = await readJson(join(dir, "package.json"));
    expect(pkg).toMatchObject({
      name: "cortex-plugin-notes",
      type: "module",
      files: ["dist"],
      engines: { node: ">=20.19" },
      cortex: { plugins: { notes: "./dist/index.js#createNotesPlugin" } },
      peerDependencies: { "@cortex/plugins": peerRange(pluginsPkg.version) },
      dependencies: { zod: "^4.2.0" },
      devDependencies: {
        "@cortex/plugins": `^${pluginsPkg.version}`,
        tsup: "~8.5.0",
        vitest: "~4.1.0",
        typescript: "~5.9.3",
      },
      scripts: { build: "tsup", test: "vitest run", typecheck: "tsc --noEmit" },
    });
    expect(pkg.devDependencies).toHaveProperty("@cortex/testing");
    expect(pkg).not.toHaveProperty("publishConfig");
    // Types first in every condition, for TypeScript's resolution.
    expect(Object.keys(pkg.exports["."].import)).toEqual(["types", "default"]);
    expect(Object.keys(pkg.exports["."].require)).toEqual(["types", "default"]);
    const test = await readFile(join(dir, "test/plugin.test.ts"), "utf8");
    expect(test).toContain('from "@cortex/testing/vitest"');
    expect(test).toContain("describePluginContract(");
    const readme = await readFile(join(dir, "README.md"), "utf8");
    expect(readme).toContain("CORTEX_NOTES_MAX_ITEMS");
    // Named for what was asked, not a notes app whatever the name.
    const weather = join(await temp(), "weather");
    expect((await create({ dir: weather })).code).toBe(0);
    const source = await readFile(join(weather, "src/plugin.ts"), "utf8");
    expect(source).toContain('name: "weather"');
    expect(source).toContain("definePlugin(");
    expect(source).not.toMatch(/note/i);
    expect(readme).toContain("check-plugin");
  });

  it("derives names from the folder, --name and --package", async () => {
    const base = await temp();
    expect((await create({ dir: join(base, "cortex-plugin-weather") })).code).toBe(0);
    expect(await readJson(join(base, "cortex-plugin-weather/package.json"))).toMatchObject({
      name: "cortex-plugin-weather",
      cortex: { plugins: { weather: "./dist/index.js#createWeatherPlugin" } },
    });
    expect((await create({ dir: join(base, "x"), name: "my-notes" })).code).toBe(0);
    expect(await readJson(join(base, "x/package.json"))).toMatchObject({
      name: "cortex-plugin-my-notes",
      cortex: { plugins: { "my-notes": "./dist/index.js#createMyNotesPlugin" } },
    });
    expect(await readFile(join(base, "x/src/plugin.ts"), "utf8")).toContain('MAX_ITEMS_KEY = "my_notes_max_items"');
    expect((await create({ dir: join(base, "y"), name: "notes", packageName: "@acme/cortex-notes" })).code).toBe(0);
    expect(await readJson(join(base, "y/package.json"))).toMatchObject({
      name: "@acme/cortex-notes",
      publishConfig: { access: "public" },
    });
  });

  it.each([
    ["Notes", undefined],
    ["ok", "a__b"],
    ["ok", "1notes"],
    ["ok", "my.notes"],
    ["My Plugin", undefined],
  ])("rejects the invalid plugin name of folder %j / --name %j with status 2", async (folder, name) => {
    const dir = join(await temp(), folder);
    const run = await create({ dir, ...(name === undefined ? {} : { name }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error \[CORTEX_SCAFFOLD_INVALID_NAME\]: ".*" .*is not a valid plugin name/);
    expect(run.stderr).toContain(String(PLUGIN_NAME_PATTERN));
    expect(run.stderr).toContain("hint: pass a valid name, e.g. --name ");
    await expect(readdir(dir)).rejects.toThrow();
  });

  it("rejects an invalid package name with status 2", async () => {
    const run = await create({ dir: join(await temp(), "notes"), packageName: "Not Valid" });
    expect(run).toMatchObject({ code: 2 });
    expect(run.stderr).toContain("CORTEX_SCAFFOLD_INVALID_NAME");
  });

  it("refuses a folder that is not empty, and writes nothing", async () => {
    const dir = await temp();
    await writeFile(join(dir, "keep.txt"), "mine");
    const run = await create({ dir, name: "notes" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error [CORTEX_SCAFFOLD_TARGET_NOT_EMPTY]");
    expect(await readdir(dir)).toEqual(["keep.txt"]);
    expect(await readFile(join(dir, "keep.txt"), "utf8")).toBe("mine");
  });

  it("fills an existing empty folder, and refuses a file", async () => {
    const base = await temp();
    await mkdir(join(base, "empty"));
    expect((await create({ dir: join(base, "empty"), name: "notes" })).code).toBe(0);
    await writeFile(join(base, "file"), "");
    const run = await create({ dir: join(base, "file"), name: "notes" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is not a folder");
  });

  it("generates a plugin that registers and passes the contract", async () => {
    const dir = join(await temp(), "notes");
    expect((await create({ dir })).code).toBe(0);
    // Resolve the generated sources' @cortex/* imports to this workspace's packages.
    await mkdir(join(dir, "node_modules"));
    await symlink(join(import.meta.dirname, "../node_modules/@cortex"), join(dir, "node_modules/@cortex"), "dir");
    await symlink(join(import.meta.dirname, "../node_modules/zod"), join(dir, "node_modules/zod"), "dir");
    const mod = (await import(join(dir, "src/index.ts"))) as Record<string, () => Plugin>;
    const make = mod.createNotesPlugin!;
    const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
    registry.register(make());
    expect(registry.listActions().map((a) => [a.name, a.tier, a.idempotent])).toEqual([
      ["list_items", "AUTO", true],
      ["add_item", "CONFIRM", undefined],
    ]);
    expect(registry.credentials("notes")).toEqual([
      expect.objectContaining({ key: "notes_max_items", variable: "CORTEX_NOTES_MAX_ITEMS", required: false }),
    ]);
    await registry.shutdown();
    const report = await checkPluginContract(make, { validParams: { add_item: { title: "t", body: "b" } } });
    expect(report.checks.filter((c) => !c.passed || c.message !== undefined)).toEqual([]);
  });

  it("has a command for the CLI's dispatcher", () => {
    expect(createPluginCommand).toMatchObject({ name: "create-plugin", args: { min: 1, max: 1 } });
    expect(Object.keys(createPluginCommand.options)).toEqual(["name", "package"]);
  });
});

describe("peerRange", () => {
  it("accepts every later release below the next major, as semver reads it", () => {
    for (const [version, later, refused] of [
      ["0.4.2", ["0.4.2", "0.4.9", "0.5.0", "0.12.3"], ["0.4.1", "0.3.9", "1.0.0", "1.0.0-rc.1"]],
      ["0.0.0", ["0.0.0", "0.0.5", "0.1.0", "0.9.9"], ["1.0.0"]],
      ["1.2.3", ["1.2.3", "1.3.0", "1.99.0"], ["1.2.2", "2.0.0"]],
    ] as const) {
      const range = peerRange(version);
      expect(semver.validRange(range), range).not.toBeNull();
      for (const v of later) expect(semver.satisfies(v, range), `${v} in ${range}`).toBe(true);
      for (const v of refused) expect(semver.satisfies(v, range), `${v} not in ${range}`).toBe(false);
    }
    // What a caret range would have done under 1.0: only the patches of one minor.
    expect(semver.satisfies("0.5.0", "^0.4.2")).toBe(false);
  });
});

describe("docs/errors.md", () => {
  it("lists every create-plugin / check-plugin code in the CLI's section", async () => {
    const doc = await readFile(join(import.meta.dirname, "../../../docs/errors.md"), "utf8");
    const start = doc.indexOf("## @cortex/cli\n");
    expect(start).toBeGreaterThan(-1);
    const end = doc.indexOf("\n## ", start + 1);
    const section = doc.slice(start, end === -1 ? undefined : end);
    const codes = Object.keys(CLI_ERRORS).filter((code) => /^CORTEX_(SCAFFOLD|CHECK)_/.test(code));
    expect(codes).toHaveLength(5);
    for (const code of codes) expect(section, code).toContain(`| \`${code}\``);
  });
});
