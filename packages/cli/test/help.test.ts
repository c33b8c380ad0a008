import { CALENDAR_CONFIG_KEYS } from "@cortex/plugin-calendar";
import { FILES_CONFIG_KEYS } from "@cortex/plugin-files";
import { MODEL_ENV } from "@cortex/model-openai";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credentialListing } from "../src/help.js";
import { declaredCredentials, KNOWN_PLUGIN_KEYS, MODEL_VARIABLES } from "../src/index.js";
import { inProcess, makeHost, tempDir } from "./helpers.js";

describe("help", () => {
  it("names every broker key of the sample plugins", () => {
    const keys = KNOWN_PLUGIN_KEYS.map((k) => k.key).sort();
    expect(keys).toEqual([...Object.values(CALENDAR_CONFIG_KEYS), ...Object.values(FILES_CONFIG_KEYS)].sort());
  });

  it("names every variable the model adapter reads", () => {
    expect(MODEL_VARIABLES.map((v) => v.name).sort()).toEqual(Object.values(MODEL_ENV).sort());
  });
});

describe("declaredCredentials", () => {
  it("reads a plugin's declared credentials, with their marks (secret and required unless declared false) and variables", () => {
    const plugin = {
      name: "notes",
      credentials: {
        notes_token: { description: "API token", secret: true, required: true },
        notes_folder: { description: "where notes go", secret: false, required: false },
        gh_token: { description: "GitHub token", env: "GITHUB_TOKEN" },
        notes_odd: "not an object",
      },
    };
    expect(declaredCredentials(plugin)).toEqual([
      {
        plugin: "notes",
        key: "notes_token",
        description: "API token",
        secret: true,
        required: true,
        variable: "CORTEX_NOTES_TOKEN",
      },
      { plugin: "notes", key: "notes_folder", description: "where notes go", variable: "CORTEX_NOTES_FOLDER" },
      {
        plugin: "notes",
        key: "gh_token",
        description: "GitHub token",
        secret: true,
        required: true,
        variable: "GITHUB_TOKEN",
      },
      {
        plugin: "notes",
        key: "notes_odd",
        description: "",
        secret: true,
        required: true,
        variable: "CORTEX_NOTES_ODD",
      },
    ]);
  });

  it("is undefined for a plugin that declares none, or declares them in a way that cannot be read", () => {
    const throwing = {
      name: "bad",
      get credentials(): never {
        throw new Error("getter");
      },
    };
    for (const plugin of [
      { name: "x" },
      { name: "x", credentials: [] },
      { name: "x", credentials: "k" },
      throwing,
      null,
    ])
      expect(declaredCredentials(plugin)).toBeUndefined();
  });
});

describe("credentialListing", () => {
  it("without a project, lists the sample plugins' keys as an example", async () => {
    const listing = await credentialListing({ cwd: await tempDir() });
    expect(listing).toEqual({ installed: false, keys: [...KNOWN_PLUGIN_KEYS], undeclared: [] });
  });

  it("lists the installed plugins' declared keys, the known keys of sample plugins that declare none, and names the rest", async () => {
    const host = await makeHost({ "declares-plugin": "1.0.0", "silent-plugin": "1.0.0" });
    const plugin = (name: string, credentials: string) => `export class P {
      name = "${name}"; version = "1.0.0"; description = "d"; ${credentials}
      setup() {} teardown() {} listActions() { return []; } executeAction() { return { success: true }; }
      health() { return { plugin: "${name}", status: "HEALTHY" }; }
    }`;
    for (const [pkg, name, credentials] of [
      ["declares-plugin", "declares", 'credentials = { declares_key: { description: "a key", required: true } };'],
      ["silent-plugin", "silent", ""],
    ] as const) {
      const dir = join(host.dir, "node_modules", pkg);
      await mkdir(dir);
      await writeFile(join(dir, "index.js"), plugin(name, credentials));
      await writeFile(
        join(dir, "package.json"),
        JSON.stringify({ name: pkg, type: "module", exports: "./index.js", cortex: { plugins: { [name]: ".#P" } } }),
      );
    }
    const listing = await credentialListing({ cwd: host.dir });
    expect(listing.installed).toBe(true);
    expect(listing.undeclared).toEqual(["silent"]);
    expect(listing.keys).toContainEqual({
      plugin: "declares",
      key: "declares_key",
      description: "a key",
      secret: true,
      required: true,
      variable: "CORTEX_DECLARES_KEY",
    });
    // The sample plugins' keys: declared by them, or known to the CLI while they declare none.
    expect(listing.keys.map((k) => k.key)).toEqual(expect.arrayContaining(KNOWN_PLUGIN_KEYS.map((k) => k.key)));
    const help = await inProcess(["--help"], { cwd: host.dir });
    expect(help.stdout).toMatch(/^ {4}CORTEX_DECLARES_KEY +declares: a key \(required, secret\)$/m);
    expect(help.stdout).toMatch(/^ {4}CORTEX_FILES_ROOT +files: \S/m);
    expect(help.stdout).toContain("(silent: no credentials declared; see their READMEs)");
  });
});
