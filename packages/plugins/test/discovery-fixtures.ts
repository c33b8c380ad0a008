import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Source of a plugin class body named `name`. */
const body = (name: string, data = name) => `{
  constructor() { this.name = ${JSON.stringify(name)}; this.version = "1.0.0"; this.description = "fixture"; }
  setup() {}
  teardown() {}
  listActions() { return [{ name: "hello", description: "says hello", tier: "AUTO" }]; }
  executeAction(action, params) { return { success: true, data: ${JSON.stringify(data)} }; }
  health() { return { plugin: this.name, status: "HEALTHY" }; }
}`;

export const esmClass = (exportName: string, name: string, data?: string) =>
  `export class ${exportName} ${body(name, data)}\n`;
export const cjsClass = (exportName: string, name: string, data?: string) =>
  `"use strict";\nclass ${exportName} ${body(name, data)}\nexports.${exportName} = ${exportName};\n`;

/** Writes files (path → content) under root, creating folders. */
export function writeTree(root: string, files: Record<string, string | object>): void {
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
}

/** A package.json for a dependency. */
export const manifest = (name: string, plugins?: unknown, extra: object = {}) => ({
  name,
  version: "1.0.0",
  ...(plugins === undefined ? {} : { cortex: { plugins } }),
  ...extra,
});

/**
 * A host app in a fresh temp folder with real packages in node_modules,
 * including a pnpm-style symlinked one and a scoped one.
 */
export function makeHost(): { root: string; app: string } {
  const root = mkdtempSync(join(tmpdir(), "cortex-discovery-"));
  const app = join(root, "app");
  const nm = join(root, "node_modules");
  const deps = [
    "esm-plugin",
    "cjs-plugin",
    "@acme/scoped-plugin",
    "factory-plugin",
    "default-plugin",
    "main-entry-plugin",
    "linked-plugin",
    "throws-on-import",
    "throws-in-constructor",
    "wrong-name",
    "dup-a",
    "dup-b",
    "bad-specs",
    "bad-field",
    "broken-json",
    "plain-dep",
  ];
  writeTree(app, {
    "package.json": {
      name: "host-app",
      private: true,
      dependencies: Object.fromEntries(deps.slice(0, 10).map((d) => [d, "1.0.0"])),
      optionalDependencies: { "not-installed": "1.0.0", "bad-field": "1.0.0" },
      devDependencies: Object.fromEntries(deps.slice(10).map((d) => [d, "1.0.0"])),
    },
  });
  writeTree(nm, {
    "esm-plugin/package.json": manifest("esm-plugin", { esm: "./dist/index.js#EsmPlugin" }, { type: "module" }),
    "esm-plugin/dist/index.js": esmClass("EsmPlugin", "esm"),
    "cjs-plugin/package.json": manifest("cjs-plugin", { cjs: "./lib/plugin.cjs#CjsPlugin" }),
    "cjs-plugin/lib/plugin.cjs": cjsClass("CjsPlugin", "cjs"),
    "@acme/scoped-plugin/package.json": manifest("@acme/scoped-plugin", { scoped: "./index.mjs#ScopedPlugin" }),
    "@acme/scoped-plugin/index.mjs": esmClass("ScopedPlugin", "scoped"),
    "factory-plugin/package.json": manifest("factory-plugin", {
      factory: "./index.mjs#createPlugin",
      "async-factory": "./index.mjs#createLater",
      object: "./index.mjs#pluginObject",
    }),
    "factory-plugin/index.mjs": `class P ${body("factory")}
export function createPlugin() { const p = new P(); return p; }
export async function createLater() { const p = new P(); p.name = "async-factory"; return p; }
export const pluginObject = Object.assign(new P(), { name: "object" });
`,
    "default-plugin/package.json": manifest("default-plugin", { "default-one": "./index.js" }, { type: "module" }),
    "default-plugin/index.js": `export default class ${body("default-one")}\n`,
    "main-entry-plugin/package.json": manifest(
      "main-entry-plugin",
      { "main-entry": ".#MainPlugin" },
      { exports: { ".": { import: "./esm/main.mjs", require: "./cjs/main.cjs" } } },
    ),
    "main-entry-plugin/esm/main.mjs": esmClass("MainPlugin", "main-entry"),
    "throws-on-import/package.json": manifest("throws-on-import", { boom: "./index.mjs#Boom" }),
    "throws-on-import/index.mjs": `throw new Error("import exploded");\n`,
    "throws-in-constructor/package.json": manifest("throws-in-constructor", { ctor: "./index.mjs#Ctor" }),
    "throws-in-constructor/index.mjs": `export class Ctor { constructor() { throw new Error("constructor exploded"); } executeAction() {} }\n`,
    "wrong-name/package.json": manifest("wrong-name", { calendar: "./index.mjs#P" }),
    "wrong-name/index.mjs": esmClass("P", "not-calendar"),
    "dup-a/package.json": manifest("dup-a", { dup: "./index.mjs#P" }),
    "dup-a/index.mjs": esmClass("P", "dup", "from a"),
    "dup-b/package.json": manifest("dup-b", { dup: "./index.mjs#P" }),
    "dup-b/index.mjs": esmClass("P", "dup", "from b"),
    "bad-specs/package.json": manifest("bad-specs", {
      absolute: "/etc/passwd#X",
      escape: "../esm-plugin/dist/index.js#EsmPlugin",
      missing: "./nope.js#X",
      malformed: "./index.mjs#a#b",
      "no-export": "./index.mjs#Nope",
      "not-a-string": 42,
      Bad_Key: "./index.mjs#P",
      good: "./index.mjs#Good",
    }),
    "bad-specs/index.mjs": `${esmClass("Good", "good")}export const P = 1;\n`,
    "bad-field/package.json": manifest("bad-field", "not an object"),
    "broken-json/package.json": "{ not json",
    "plain-dep/package.json": manifest("plain-dep"),
    ".pnpm/linked-plugin@1.0.0/node_modules/linked-plugin/package.json": manifest("linked-plugin", {
      linked: "./index.cjs#LinkedPlugin",
    }),
    ".pnpm/linked-plugin@1.0.0/node_modules/linked-plugin/index.cjs": cjsClass("LinkedPlugin", "linked"),
  });
  symlinkSync(join(nm, ".pnpm/linked-plugin@1.0.0/node_modules/linked-plugin"), join(nm, "linked-plugin"), "dir");
  return { root, app };
}
