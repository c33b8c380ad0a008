import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkPluginCommand } from "../src/commands/check-plugin.js";
import { inProcess } from "./helpers.js";

const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => rm(d, { recursive: true, force: true }))));

interface FixtureOptions {
  /** Changes to the default package.json. */
  manifest?: (m: Record<string, unknown>) => void;
  /** Replaces parts of the plugin's class body. */
  setup?: string;
  actions?: string;
  unknownAction?: string;
  /** Where the built plugin is written. */
  file?: string;
  /** Lines put before the plugin class (imports). */
  header?: string;
}

// A built plugin package in plain JavaScript: nothing to compile, no dependencies.
async function fixture(options: FixtureOptions = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cortex-check-plugin-test-"));
  made.push(dir);
  const manifest: Record<string, unknown> = {
    name: "cortex-plugin-echo",
    version: "1.0.0",
    type: "module",
    files: ["dist"],
    exports: { ".": "./dist/index.js", "./package.json": "./package.json" },
    cortex: { plugins: { echo: "./dist/index.js#EchoPlugin" } },
    peerDependencies: { "@cortex/plugins": "^0.0.0" },
  };
  options.manifest?.(manifest);
  const text = {
    type: "object",
    properties: { text: { type: "string" } },
    required: ["text"],
    additionalProperties: false,
  };
  const source = `${options.header ?? ""}
export class EchoPlugin {
  name = "echo";
  version = "1.0.0";
  description = "Says things back";
  #ready = false;
  async setup(broker) { ${options.setup ?? ""} this.#ready = true; }
  async teardown() { this.#ready = false; }
  listActions() {
    return ${
      options.actions ??
      JSON.stringify([
        { name: "say", description: "Say a text", tier: "AUTO", parameters: text },
        {
          name: "shout",
          description: "Shout a text",
          tier: "CONFIRM",
          parameters: { ...text, examples: [{ text: "hi" }] },
        },
      ])
    };
  }
  async executeAction(action, params) {
    if (action === "say" || action === "shout") return { success: true, data: { text: params.text } };
    ${options.unknownAction ?? 'return { success: false, error: "Unknown action: " + action };'}
  }
  async health() { return { plugin: this.name, status: this.#ready ? "HEALTHY" : "UNKNOWN" }; }
}
`;
  const file = join(dir, options.file ?? "dist/index.js");
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, source);
  await writeFile(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

/** `cortex check-plugin <dir> [--credentials <file>]`, through the CLI's dispatcher. */
function check(args: { dir: string; credentials?: string }, env: Record<string, string> = {}) {
  return inProcess(
    ["check-plugin", args.dir, ...(args.credentials === undefined ? [] : ["--credentials", args.credentials])],
    { env },
  );
}

describe("check-plugin", () => {
  it("passes a good package", async () => {
    const run = await check({ dir: await fixture() });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    for (const name of ["package.json", "load", "register", "contract", "pack"])
      expect(run.stdout).toContain(`✓ ${name}:`);
    expect(run.stdout).toContain('"echo": say (AUTO), shout (CONFIRM)');
    expect(run.stdout).not.toContain("weak"); // the schema's examples made the approval check strong
    expect(run.stdout).toContain("All 6 checks passed: cortex-plugin-echo@1.0.0 is ready to publish.");
  });

  it("fails without a cortex.plugins field", async () => {
    const run = await check({ dir: await fixture({ manifest: (m) => delete m.cortex }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ package.json");
    expect(run.stdout).toContain('no "cortex.plugins" field');
    expect(run.stdout).toContain('fix: add "cortex": { "plugins":');
    expect(run.stdout).toContain("load: skipped");
    expect(run.stderr).toContain("error [CORTEX_CHECK_FAILED]: 1 of 6 checks failed for cortex-plugin-echo@1.0.0");
  });

  it("fails when the key is not the plugin's name", async () => {
    const run = await check({
      dir: await fixture({ manifest: (m) => (m.cortex = { plugins: { echoes: "./dist/index.js#EchoPlugin" } }) }),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ load");
    expect(run.stdout).toContain("[CORTEX_PLUGIN_NAME_MISMATCH]");
    expect(run.stdout).toContain("fix: make the cortex.plugins key equal the plugin's `name`");
  });

  it("fails when an action schema does not compile", async () => {
    const actions = JSON.stringify([{ name: "say", description: "Say", tier: "AUTO", parameters: { type: "nope" } }]);
    const run = await check({ dir: await fixture({ actions }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ register");
    expect(run.stdout).toContain("[CORTEX_INVALID_SCHEMA]");
    expect(run.stdout).toContain("fix: fix that action's `parameters`");
  });

  it("fails when npm would not publish an entry point", async () => {
    const run = await check({ dir: await fixture({ manifest: (m) => (m.files = ["lib"]) }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ pack");
    expect(run.stdout).toContain(
      'exports["."], cortex.plugins["echo"] name dist/index.js, which npm would not publish',
    );
    expect(run.stdout).toContain('fix: add it (e.g. "dist") to "files"');
  });

  it("fails when the entry point is not built", async () => {
    const run = await check({ dir: await fixture({ file: "src/index.js" }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("[CORTEX_INVALID_SPECIFIER]");
    expect(run.stdout).toContain("fix: build the package (npm run build)");
    expect(run.stdout).toContain("which does not exist");
    expect(run.stderr).toContain("2 of 6 checks failed");
  });

  describe("loads the package as npm pack publishes it", () => {
    // A package installed in the plugin's folder (as a dev dependency or a hoisted one would be), declared or not.
    async function withInstalled(dir: string): Promise<void> {
      const dep = join(dir, "node_modules", "left-pad-ish");
      await mkdir(dep, { recursive: true });
      await writeFile(
        join(dep, "package.json"),
        JSON.stringify({ name: "left-pad-ish", version: "1.0.0", type: "module", exports: "./index.js" }),
      );
      await writeFile(join(dep, "index.js"), "export const pad = (s) => ` ${s}`;\n");
    }

    it("fails when the code imports a package it does not declare", async () => {
      const dir = await fixture({ header: 'import { pad } from "left-pad-ish";' });
      await withInstalled(dir);
      const run = await check({ dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("✗ load");
      expect(run.stdout).toContain("[CORTEX_PLUGIN_LOAD_FAILED]");
      expect(run.stdout).toContain("left-pad-ish");
      expect(run.stdout).toContain("fix: declare every package the code imports in dependencies");
    });

    it("passes when that package is declared", async () => {
      const dir = await fixture({
        header: 'import { pad } from "left-pad-ish";',
        manifest: (m) => (m.dependencies = { "left-pad-ish": "^1.0.0" }),
      });
      await withInstalled(dir);
      const run = await check({ dir });
      expect(run.stdout).toContain("✓ load");
      expect(run.code).toBe(0);
    });

    it("fails when the code imports a file npm would not publish", async () => {
      const dir = await fixture({ header: 'import "../lib/helper.js";' });
      await mkdir(join(dir, "lib"));
      await writeFile(join(dir, "lib/helper.js"), "export {};\n");
      const run = await check({ dir });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("✗ load");
      expect(run.stdout).toContain("helper.js");
      expect(run.stdout).toContain('publish every file it imports ("files" in package.json)');
    });
  });

  it("fails when the plugin breaks the contract", async () => {
    const run = await check({ dir: await fixture({ unknownAction: 'throw new Error("no such action");' }) });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("✗ contract");
    expect(run.stdout).toMatch(/"echo" unknown-action: .*no such action/);
  });

  describe("credentials", () => {
    const setup = 'this.token = await broker.get("echo_token");';

    it("fails the contract's setup without them, naming the ways to give them", async () => {
      const run = await check({ dir: await fixture({ setup }) });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('"echo" setup:');
      expect(run.stdout).toContain(
        `credential "echo_token" is missing (environment variable CORTEX_ECHO_TOKEN is not set)`,
      );
      expect(run.stdout).toContain("could not run without a working setup");
      expect(run.stdout).toContain("--credentials <file.json> or CORTEX_<KEY> environment variables");
    });

    it("reads them from --credentials", async () => {
      const dir = await fixture({ setup });
      const file = join(dir, "..", `${dir.split(/[\\/]/).pop()}-creds.json`);
      made.push(file);
      await writeFile(file, JSON.stringify({ echo_token: "t0ken" }));
      expect((await check({ dir, credentials: file })).code).toBe(0);
    });

    it("falls back to CORTEX_* environment variables", async () => {
      expect((await check({ dir: await fixture({ setup }) }, { CORTEX_ECHO_TOKEN: "t0ken" })).code).toBe(0);
    });

    it("rejects an unusable credentials file with status 2", async () => {
      const dir = await fixture();
      await writeFile(join(dir, "creds.json"), '{ "echo_token": 42 }');
      const run = await check({ dir, credentials: join(dir, "creds.json") });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("error [CORTEX_CHECK_INVALID_CREDENTIALS]");
    });

    it.each([
      ['{"echo_token": "tok-TOPSECRET-42",}'],
      ["{'echo_token': 'tok-TOPSECRET-42'}"],
      ['{"echo_token": tok-TOPSECRET-42}'],
    ])("says a malformed credentials file is not valid JSON without quoting it: %s", async (content) => {
      const dir = await fixture();
      await writeFile(join(dir, "creds.json"), content);
      const run = await check({ dir, credentials: join(dir, "creds.json") });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /error \[CORTEX_CHECK_INVALID_CREDENTIALS\]: cannot read credentials from \S+creds\.json: not valid JSON( \(at position \d+\))?\n/,
      );
      expect(run.stderr + run.stdout).not.toContain("TOPSECRET");
    });
  });

  it("fails on a folder without package.json", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-check-plugin-empty-"));
    made.push(dir);
    const run = await check({ dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("cannot read package.json");
  });

  it("has a command for the CLI's dispatcher", () => {
    expect(checkPluginCommand).toMatchObject({ name: "check-plugin", args: { min: 0, max: 1 } });
    expect(Object.keys(checkPluginCommand.options)).toEqual(["credentials"]);
  });
});
