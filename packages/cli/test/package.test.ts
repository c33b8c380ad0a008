import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PLUGIN_CHECKS } from "../src/check/checks.js";
import { CLI, makeHost, removeLater, tempDir } from "./helpers.js";

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8")) as {
  bin: Record<string, string>;
  engines: Record<string, string>;
};

describe("package", () => {
  it("ships the cortex bin as an executable ESM file with a node shebang", () => {
    expect(manifest.bin).toEqual({ cortex: "./dist/cli.js" });
    expect(manifest.engines.node).toBe(">=20.19");
    expect(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    if (process.platform !== "win32") expect(statSync(CLI).mode & 0o111).not.toBe(0);
  });

  it("exports the programmatic API from both module formats", async () => {
    const esm = (await import("../dist/index.js")) as { main: unknown };
    expect(typeof esm.main).toBe("function");
    const { createRequire } = await import("node:module");
    const cjs = createRequire(import.meta.url)("../dist/index.cjs") as { main: unknown };
    expect(typeof cjs.main).toBe("function");
  });
});

describe("what each command loads", () => {
  // A resolve hook that fails every import of @cortex/testing, registered before the bin loads: with
  // `registerHooks` where Node has it (`register` is deprecated there and would print a warning), else `register`.
  const blockTesting = `data:text/javascript,${encodeURIComponent(
    `import * as m from "node:module";
     const blocked = (s) => s === "@cortex/testing" || s.startsWith("@cortex/testing/");
     if (typeof m.registerHooks === "function") {
       m.registerHooks({ resolve(s, c, next) {
         if (blocked(s)) throw new Error("@cortex/testing is blocked");
         return next(s, c); } });
     } else {
       m.register("data:text/javascript," + encodeURIComponent(
         "export async function resolve(s, c, next) {" +
         "  if (s === '@cortex/testing' || s.startsWith('@cortex/testing/')) throw new Error('@cortex/testing is blocked');" +
         "  return next(s, c); }"));
     }`,
  )}`;
  const run = (args: string[], cwd: string) =>
    spawnSync(process.execPath, ["--import", blockTesting, CLI, ...args], {
      cwd,
      encoding: "utf8",
      env: { PATH: process.env.PATH, NO_COLOR: "1" },
    });

  it("only check-plugin needs @cortex/testing: the other commands run without it", async () => {
    // Control: the hook does block it.
    const control = spawnSync(
      process.execPath,
      ["--import", blockTesting, "--input-type=module", "-e", 'await import("@cortex/testing")'],
      { cwd: join(import.meta.dirname, ".."), encoding: "utf8" },
    );
    expect(control.stderr).toContain("@cortex/testing is blocked");
    const host = await makeHost();
    expect(run(["--help"], host.dir)).toMatchObject({ status: 0 });
    expect(run(["plugins"], host.dir)).toMatchObject({ status: 0 });
    const demo = run(["demo", "--yes"], await tempDir());
    expect(demo.stderr).toBe("");
    expect(demo.status).toBe(0);
    removeLater(/working folder +(\S+)/.exec(demo.stdout)![1]!);
    const dir = await tempDir();
    const check = run(["check-plugin", dir], dir);
    expect(check.stdout).toContain("cannot read package.json");
  });

  it("check-plugin runs the checks of one list, and its help names each", async () => {
    expect(PLUGIN_CHECKS.map((c) => c.name)).toEqual([
      "package.json",
      "load",
      "register",
      "credentials",
      "contract",
      "pack",
    ]);
    const help = run(["check-plugin", "--help"], await tempDir());
    for (const check of PLUGIN_CHECKS) expect(help.stdout).toMatch(new RegExp(`^ {2}${check.name} +\\S`, "m"));
  });
});
