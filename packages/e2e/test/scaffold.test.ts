import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The CLI's command functions, from source: `cortex create-plugin` / `check-plugin` are not wired
// into the bin's dispatcher yet. They run here exactly as the bin will run them.
import { checkPlugin } from "../../cli/src/commands/check-plugin.js";
import { createPlugin } from "../../cli/src/commands/create-plugin.js";
import { mustRun, npmInstall, packedTarballs, removeProject, run, tarballOverrides, tempProject, type PackedName } from "./support/pack.js";

// `cortex create-plugin` output, outside the workspace, against the packed
// tarballs of @cortex/plugins and @cortex/testing: it installs, typechecks,
// builds, passes its own tests and check-plugin, and once packed it is
// discovered and runs in a host app.

function capture() {
  const out = { stdout: "", stderr: "" };
  return { out, io: { stdout: (s: string) => void (out.stdout += s), stderr: (s: string) => void (out.stderr += s), env: {} } };
}

let base: string | undefined;
let pluginDir: string;
let tarballs: Record<PackedName, string>;
let manifestText: string;

beforeAll(async () => {
  tarballs = await packedTarballs();
  base = await tempProject("cortex-e2e-scaffold-");
  pluginDir = join(base, "cortex-plugin-notes");
  const { out, io } = capture();
  expect(await createPlugin({ dir: pluginDir }, io), out.stderr).toBe(0);

  // The generated ranges (^<version>) name unpublished versions: point them at the tarballs.
  const overrides = tarballOverrides(tarballs);
  const manifest = JSON.parse(await readFile(join(pluginDir, "package.json"), "utf8")) as Record<string, Record<string, string>>;
  manifest.devDependencies!["@cortex/plugins"] = overrides["@cortex/plugins"]!;
  manifest.devDependencies!["@cortex/testing"] = overrides["@cortex/testing"]!;
  manifest.overrides = overrides;
  await writeFile(join(pluginDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await npmInstall(pluginDir);
  manifestText = await readFile(join(pluginDir, "package.json"), "utf8");
});

afterAll(() => removeProject(base));

describe("a scaffolded plugin package", () => {
  it("typechecks, builds and passes its own tests", async () => {
    await mustRun("npm", ["run", "typecheck"], { cwd: pluginDir });
    await mustRun("npm", ["run", "build"], { cwd: pluginDir });
    const test = await mustRun("npm", ["test"], { cwd: pluginDir });
    expect(test.stdout).toMatch(/Tests\s+.*\d+ passed/);
    expect(test.stdout).not.toMatch(/failed|skipped/);
  });

  it("passes check-plugin", async () => {
    const { out, io } = capture();
    const code = await checkPlugin({ dir: pluginDir }, io);
    expect(out.stderr).toBe("");
    expect(code).toBe(0);
    expect(out.stdout).toContain('"notes": list_notes (AUTO), add_note (CONFIRM)');
    expect(out.stdout).toContain("All 5 checks passed: cortex-plugin-notes@0.1.0 is ready to publish.");
  });

  it("fails check-plugin when broken: key/name mismatch, entry points not published", async () => {
    const broken = JSON.parse(manifestText) as Record<string, unknown>;
    broken.cortex = { plugins: { notebook: "./dist/index.js#NotesPlugin" } };
    broken.files = ["src"];
    await writeFile(join(pluginDir, "package.json"), JSON.stringify(broken, null, 2));
    try {
      const { out, io } = capture();
      expect(await checkPlugin({ dir: pluginDir }, io)).toBe(1);
      expect(out.stdout).toContain("[CORTEX_PLUGIN_NAME_MISMATCH]");
      expect(out.stdout).toContain("which npm would not publish");
      expect(out.stderr).toContain("error [CORTEX_CHECK_FAILED]: 2 of 5 checks failed for cortex-plugin-notes@0.1.0");
    } finally {
      await writeFile(join(pluginDir, "package.json"), manifestText);
    }
  });

  it("once packed, is discovered in a host app and runs with an approval", async () => {
    const packed = await mustRun("npm", ["pack", "--json", "--loglevel=error"], { cwd: pluginDir });
    const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as [{ filename: string }];
    const host = join(base!, "host");
    const overrides = tarballOverrides(tarballs);
    const dependencies = { "cortex-plugin-notes": `file:${join(pluginDir, filename)}`, "@cortex/plugins": overrides["@cortex/plugins"]! };
    await mkdir(host);
    // As a user installs it: the package and its peer, @cortex/plugins (here, from its tarball).
    const hostManifest = { name: "host", private: true, type: "module", dependencies, overrides: { "@cortex/plugins": dependencies["@cortex/plugins"] } };
    await writeFile(join(host, "package.json"), JSON.stringify(hostManifest, null, 2));
    await npmInstall(host);
    await writeFile(
      join(host, "run.mjs"),
      `import { approvalId, MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";
const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
const report = await registry.discoverAndRegister();
const note = { title: "Ship it", body: "Publish the plugin", tags: ["work"] };
const added = await registry.execute("notes", "add_note", note, { approval: { id: approvalId("notes", "add_note", note), approved: true } });
const listed = await registry.execute("notes", "list_notes", { tag: "work" });
await registry.shutdown();
console.log(JSON.stringify({ registered: report.registered, failed: report.failed.length, added: added.success, listed }));
`,
    );
    const result = await run(process.execPath, ["run.mjs"], { cwd: host });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toMatchObject({
      registered: [{ name: "notes", package: "cortex-plugin-notes" }],
      failed: 0,
      added: true,
      listed: { success: true, data: { notes: [{ title: "Ship it" }] } },
    });
  });
});
