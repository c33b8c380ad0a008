import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The built package, loaded as users load it, in a node process where
// importing "vitest" fails. `pnpm test` depends on the workspace build
// (turbo `^build`), not this package's; run `build` first for these to run.
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
const built = ["index.js", "index.cjs", "vitest.js", "vitest.cjs"].every((f) => existsSync(dist(f)));

// ESM: a resolve hook registered before anything loads; CJS: a patched resolver.
const blockEsm = `data:text/javascript,${encodeURIComponent(
  `import { register } from "node:module";
   register("data:text/javascript," + encodeURIComponent(
     "export async function resolve(s, c, next) {" +
     "  if (s === 'vitest' || s.startsWith('vitest/')) throw new Error('vitest is not installed (blocked)');" +
     "  return next(s, c); }"));`,
)}`;
const blockCjs = `const Module = require("node:module");
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (s, ...rest) {
    if (s === "vitest" || s.startsWith("vitest/")) throw new Error("vitest is not installed (blocked)");
    return resolve.call(this, s, ...rest);
  };`;

const esm = (entry: string) =>
  execFileSync(
    process.execPath,
    [
      "--import",
      blockEsm,
      "--input-type=module",
      "-e",
      `import("vitest").then(() => console.log("vitest loaded"), () => {}).then(() => import(${JSON.stringify(entry)}))
        .then((m) => console.log(Object.keys(m).sort().join(",")), (e) => { console.log("failed: " + e.message); });`,
    ],
    { encoding: "utf8" },
  ).trim();

const cjs = (entry: string) =>
  execFileSync(
    process.execPath,
    [
      "-e",
      `${blockCjs}\ntry { console.log(Object.keys(require(${JSON.stringify(entry)})).sort().join(",")); } catch (e) { console.log("failed: " + e.message); }`,
    ],
    { encoding: "utf8" },
  ).trim();

// The root `pnpm test` builds every package first (turbo: test depends on build).
if (!built) throw new Error("dist/ is missing: run `pnpm build` first (the root `pnpm test` does)");

describe("built entries", () => {
  const mainExports = [
    "CONTRACT_CHECKS",
    "FakeBroker",
    "HARNESS_ADMIN",
    "HarnessUsageError",
    "RECORDING_FORMAT",
    "RECORDING_VERSION",
    "RecordingExtension",
    "RecordingInvalidError",
    "RunRecorder",
    "ScriptExhaustedError",
    "ScriptedModel",
    "TESTING_DEFAULTS",
    "TESTING_ERRORS",
    "checkPluginContract",
    "createPluginHarness",
    "readRecording",
    "replay",
    "runContractCheck",
  ].join(",");

  it("the main entry (ESM) loads where vitest cannot be imported", () => {
    expect(esm(dist("index.js"))).toBe(mainExports);
  });

  it("the main entry (CommonJS) loads where vitest cannot be required", () => {
    expect(cjs(dist("index.cjs"))).toBe(mainExports);
  });

  it("control: the same block makes the /vitest entry fail, in both formats", () => {
    expect(esm(dist("vitest.js"))).toMatch(/^failed: vitest is not installed \(blocked\)/);
    expect(cjs(dist("vitest.cjs"))).toMatch(/^failed: vitest is not installed \(blocked\)/);
  });

  it("no file the main entry loads mentions vitest except the /vitest entry", () => {
    const files = readdirSync(dist("")).filter((f) => /\.(c?js)$/.test(f) && !f.startsWith("vitest."));
    for (const file of files)
      expect(readFileSync(dist(file), "utf8"), file).not.toMatch(/from ["']vitest["']|require\(["']vitest["']\)/);
  });
});
