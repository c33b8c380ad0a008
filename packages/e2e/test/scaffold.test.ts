import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mustRun,
  npmInstall,
  packedTarballs,
  removeProject,
  run,
  tarballOverrides,
  tempProject,
  type PackedName,
  type RunResult,
} from "./support/pack.js";

// `cortex create-plugin` and `cortex check-plugin` as a user without a global
// install runs them: the packed @cortex/cli (and the tarballs of the @cortex
// packages it depends on) installed into a "tools" folder outside the
// workspace, and its bin run through `npx --no-install cortex` there (what
// `npx @cortex/cli` does once the package is published). The scaffold's
// output then installs against the packed @cortex/plugins and
// @cortex/testing, typechecks, builds, passes its own tests and
// check-plugin, and once packed it is discovered and runs in a host app.

let base: string | undefined;
let tools: string;
let pluginDir: string;
let tarballs: Record<PackedName, string>;
let manifestText: string;
let created: RunResult;

/** `cortex <args>` through npx, from the tools folder: the installed bin, never a global or registry one. */
const cortex = (...args: string[]) => run("npx", ["--no-install", "cortex", ...args], { cwd: tools });

beforeAll(async () => {
  tarballs = await packedTarballs();
  base = await tempProject("cortex-e2e-scaffold-");
  tools = join(base, "tools");
  pluginDir = join(base, "cortex-plugin-notes");

  // The CLI from its tarball; every @cortex/* package it depends on from its tarball too.
  const overrides = tarballOverrides(tarballs);
  await mkdir(tools);
  const toolsManifest = {
    name: "tools",
    private: true,
    dependencies: { "@cortex/cli": overrides["@cortex/cli"]! },
    overrides,
  };
  await writeFile(join(tools, "package.json"), JSON.stringify(toolsManifest, null, 2));
  await npmInstall(tools);

  created = await cortex("create-plugin", pluginDir, "--name", "notes");
  expect(created.code, `${created.stdout}\n${created.stderr}`).toBe(0);

  // The generated ranges (^<version>) name unpublished versions: point them at the tarballs.
  const manifest = JSON.parse(await readFile(join(pluginDir, "package.json"), "utf8")) as Record<
    string,
    Record<string, string>
  >;
  manifest.devDependencies!["@cortex/plugins"] = overrides["@cortex/plugins"]!;
  manifest.devDependencies!["@cortex/testing"] = overrides["@cortex/testing"]!;
  manifest.overrides = overrides;
  await writeFile(join(pluginDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await npmInstall(pluginDir);
  manifestText = await readFile(join(pluginDir, "package.json"), "utf8");
});

afterAll(() => removeProject(base));

describe("a scaffolded plugin package", () => {
  it("is created by the packed CLI's bin, through npx", async () => {
    expect(created.stdout).toContain(
      `Created cortex-plugin-notes (plugin "notes", factory createNotesPlugin) in ${pluginDir}:`,
    );
    expect(created.stdout).toContain("  src/plugin.ts");
    expect(created.stdout).toContain("npx @cortex/cli check-plugin");
    // `--name notes` names the plugin: its cortex.plugins key.
    const generated = JSON.parse(manifestText) as { cortex: { plugins: Record<string, string> } };
    expect(Object.keys(generated.cortex.plugins)).toEqual(["notes"]);
    expect(generated.cortex.plugins.notes).toMatch(/^\.\/dist\/.+#createNotesPlugin$/);
    // A typed plugin: zod is its own dependency, @cortex/plugins a peer over every later 0.x release.
    const typed = JSON.parse(manifestText) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    expect(typed.dependencies).toHaveProperty("zod");
    expect(typed.peerDependencies["@cortex/plugins"]).toMatch(/^>=0\.\d+\.\d+ <1\.0\.0$/);
    // create-plugin never overwrites: a second run into the same folder fails and says why.
    const again = await cortex("create-plugin", pluginDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("error [CORTEX_SCAFFOLD_TARGET_NOT_EMPTY]");
    // Nothing on stderr: no warning from the installed bin under the Node running the tests.
    expect(created.stderr, "stderr of `npx --no-install cortex create-plugin`").toBe("");
  });

  it("typechecks, builds and passes its own tests", async () => {
    await mustRun("npm", ["run", "typecheck"], { cwd: pluginDir });
    await mustRun("npm", ["run", "build"], { cwd: pluginDir });
    const test = await mustRun("npm", ["test"], { cwd: pluginDir });
    expect(test.stdout).toMatch(/Tests\s+.*\d+ passed/);
    expect(test.stdout).not.toMatch(/failed|skipped/);
  });

  it("passes check-plugin", async () => {
    const result = await cortex("check-plugin", pluginDir);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Checking cortex-plugin-notes@0.1.0 (${pluginDir})`);
    expect(result.stdout).toContain('"notes": list_items (AUTO), add_item (CONFIRM)');
    expect(result.stdout).toContain('"notes": notes_max_items (CORTEX_NOTES_MAX_ITEMS; optional, setting)');
    expect(result.stdout).toContain("All 6 checks passed: cortex-plugin-notes@0.1.0 is ready to publish.");
  });

  it("fails check-plugin when the cortex.plugins key is not the plugin's name", async () => {
    const broken = JSON.parse(manifestText) as Record<string, unknown>;
    broken.cortex = { plugins: { notebook: "./dist/index.js#createNotesPlugin" } };
    await writeFile(join(pluginDir, "package.json"), JSON.stringify(broken, null, 2));
    try {
      const result = await cortex("check-plugin", pluginDir);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain("[CORTEX_PLUGIN_NAME_MISMATCH]");
      expect(result.stdout).toContain("fix: make the cortex.plugins key equal the plugin's `name`");
      expect(result.stderr).toMatch(
        /error \[CORTEX_CHECK_FAILED\]: \d of 6 checks failed for cortex-plugin-notes@0\.1\.0/,
      );
      expect(result.stderr).toContain("hint: fix the problems above");
    } finally {
      await writeFile(join(pluginDir, "package.json"), manifestText);
    }
  });

  it("fails check-plugin when the entry points would not be published: the packed package cannot load", async () => {
    const broken = JSON.parse(manifestText) as Record<string, unknown>;
    broken.files = ["src"];
    await writeFile(join(pluginDir, "package.json"), JSON.stringify(broken, null, 2));
    try {
      const result = await cortex("check-plugin", pluginDir);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain("which npm would not publish");
      expect(result.stdout).toContain('fix: add it (e.g. "dist") to "files" in package.json');
      // check-plugin loads what npm would publish, so the missing entry is a load problem too.
      expect(result.stdout).toContain("[CORTEX_INVALID_SPECIFIER]");
      expect(result.stdout).toContain("./dist/index.js does not exist");
      expect(result.stderr).toContain(
        "error [CORTEX_CHECK_FAILED]: 2 of 6 checks failed for cortex-plugin-notes@0.1.0",
      );
    } finally {
      await writeFile(join(pluginDir, "package.json"), manifestText);
    }
  });

  it("once packed, is discovered in a host app as a typed plugin: credentials, preview, examples, a run with an approval", async () => {
    const packed = await mustRun("npm", ["pack", "--json", "--loglevel=error"], { cwd: pluginDir });
    const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as [{ filename: string }];
    const host = join(base!, "host");
    const overrides = tarballOverrides(tarballs);
    const dependencies = {
      "cortex-plugin-notes": `file:${join(pluginDir, filename)}`,
      "@cortex/plugins": overrides["@cortex/plugins"]!,
    };
    await mkdir(host);
    // As a user installs it: the package and its peer, @cortex/plugins (here, from its tarball).
    const hostManifest = {
      name: "host",
      private: true,
      type: "module",
      dependencies,
      // @cortex/plugins' own @cortex/* dependencies come from their tarballs too.
      overrides: {
        "@cortex/plugins": dependencies["@cortex/plugins"],
        "@cortex/primitives": overrides["@cortex/primitives"]!,
      },
    };
    await writeFile(join(host, "package.json"), JSON.stringify(hostManifest, null, 2));
    await npmInstall(host);
    await writeFile(
      join(host, "run.mjs"),
      `import { approvalId, MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";
const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
const report = await registry.discoverAndRegister();
const item = { title: "Ship it", body: "Publish the plugin", tags: ["work"] };
const credentials = registry.credentials("notes");
const preview = await registry.preview("notes", "add_item", item);
const actions = registry.listActions().map((a) => ({ name: a.name, tier: a.tier, examples: a.examples?.length, idempotent: a.idempotent }));
const invalid = await registry.execute("notes", "add_item", { title: "" }).catch((error) => error.code);
const added = await registry.execute("notes", "add_item", item, { approval: { id: approvalId("notes", "add_item", item), approved: true } });
const listed = await registry.execute("notes", "list_items", { tag: "work" });
await registry.shutdown();
console.log(JSON.stringify({ registered: report.registered, failed: report.failed.length, credentials, preview, actions, invalid, added: added.success, listed }));
`,
    );
    const result = await run(process.execPath, ["run.mjs"], { cwd: host });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toMatchObject({
      registered: [{ name: "notes", package: "cortex-plugin-notes" }],
      failed: 0,
      credentials: [{ key: "notes_max_items", variable: "CORTEX_NOTES_MAX_ITEMS", required: false, secret: false }],
      preview: { summary: 'add "Ship it" (1 tag(s))' },
      actions: [
        { name: "list_items", tier: "AUTO", examples: 2, idempotent: true },
        { name: "add_item", tier: "CONFIRM", examples: 1 },
      ],
      invalid: "CORTEX_VALIDATION_FAILED",
      added: true,
      listed: { success: true, data: { items: [{ title: "Ship it" }] } },
    });
  });
});
