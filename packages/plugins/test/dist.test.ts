import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CortexError, ValidationError } from "../src/index.js";
import type * as Cortex from "../src/index.js";
import { makeHost } from "./discovery-fixtures.js";

// The built package, exercised as users load it. The root `pnpm test` builds
// every package first (turbo: test depends on build); run `pnpm build` before
// running vitest here directly.
const cjsEntry = fileURLToPath(new URL("../dist/index.cjs", import.meta.url));
const esmEntry = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const built = existsSync(cjsEntry) && existsSync(esmEntry);

if (!built) throw new Error("dist/ is missing: run `pnpm build` first (the root `pnpm test` does)");

describe("built dist", () => {
  let host: ReturnType<typeof makeHost>;
  beforeAll(() => {
    host = makeHost();
  });
  afterAll(() => rmSync(host.root, { recursive: true, force: true }));

  it("the CommonJS build keeps import() so it discovers ESM and CommonJS plugins (in a plain node process)", () => {
    const script = `
      const { PluginRegistry, MemoryBroker, silentLogger } = require(${JSON.stringify(cjsEntry)});
      const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
      registry.discoverAndRegister({ cwd: ${JSON.stringify(host.app)} })
        .then(async (report) => {
          const esm = await registry.execute("esm", "hello", {});
          const cjs = await registry.execute("cjs", "hello", {});
          console.log(JSON.stringify({ registered: report.registered.length, esm, cjs }));
        })
        .catch((e) => { console.error(e); process.exit(1); });`;
    const out = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual({
      registered: 11,
      esm: { success: true, data: "esm" },
      cjs: { success: true, data: "cjs" },
    });
  });

  it("ajv-formats works in both builds", () => {
    const check = (entry: string, loader: string) => `
      ${loader}
      const registry = new mod.PluginRegistry({ broker: new mod.MemoryBroker(), logger: mod.silentLogger });
      registry.register({ name: "f", version: "1.0.0", description: "", setup() {}, teardown() {}, health() {},
        executeAction() { return { success: true }; },
        listActions: () => [{ name: "a", description: "", tier: "AUTO",
          parameters: { type: "object", properties: { d: { type: "string", format: "date" } } } }] });
      try { registry.validate("f", "a", { d: "soon" }); console.log("accepted"); }
      catch (e) { console.log(e.issues[0].message); }`;
    const cjs = execFileSync(
      process.execPath,
      ["-e", check(cjsEntry, `const mod = require(${JSON.stringify(cjsEntry)});`)],
      {
        encoding: "utf8",
      },
    );
    const esm = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", check(esmEntry, `const mod = await import(${JSON.stringify(esmEntry)});`)],
      { encoding: "utf8" },
    );
    expect(cjs.trim()).toBe('must match format "date"');
    expect(esm.trim()).toBe('must match format "date"');
  });

  it("instanceof CortexError works across the CJS copy and this copy (dual-package hazard)", () => {
    const require = createRequire(import.meta.url);
    const cjs = require(cjsEntry) as typeof Cortex;
    const foreign = new cjs.ValidationError("p", "a", []);
    expect(foreign instanceof CortexError).toBe(true);
    expect(new ValidationError("p", "a", []) instanceof cjs.CortexError).toBe(true);
    expect(cjs.isCortexError(new ValidationError("p", "a", []))).toBe(true);
    // Subclass checks stay per copy.
    expect(foreign instanceof ValidationError).toBe(false);
  });
});
