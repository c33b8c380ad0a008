import { spawnSync } from "node:child_process";
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { argvOf } from "../src/server-package.js";
import { CLI, tempDir } from "./helpers.js";

// A resolve hook under which @cortex/server is not installed: it is looked for from a folder that has none.
const withoutServer = `data:text/javascript,${encodeURIComponent(
  `import { register } from "node:module";
   register("data:text/javascript," + encodeURIComponent(
     "export async function resolve(s, c, next) {" +
     "  if (s === '@cortex/server') return next(s, { ...c, parentURL: 'file:///nonexistent/cortex-cli/index.js' });" +
     "  return next(s, c); }"));`,
)}`;
const run = (args: string[], cwd: string) =>
  spawnSync(process.execPath, ["--import", withoutServer, CLI, ...args], {
    cwd,
    encoding: "utf8",
    env: { PATH: process.env.PATH, NO_COLOR: "1" },
  });

describe("loading @cortex/server", () => {
  it("without it, serve and ledger verify fail with a coded error naming the package; their help still works", async () => {
    const cwd = await tempDir();
    for (const args of [
      ["serve", "--app", "app.mjs"],
      ["ledger", "verify"],
    ]) {
      const result = run(args, cwd);
      expect(result.status, args.join(" ")).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `^error \\[CORTEX_CLI_MISSING_PACKAGE\\]: \`cortex ${args[0] === "serve" ? "serve" : "ledger verify"}\` needs @cortex/server, which is not installed`,
          "m",
        ),
      );
      expect(result.stderr).toContain("npm install @cortex/server");
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
    expect(run(["serve", "--help"], cwd)).toMatchObject({ status: 0 });
    expect(run(["ledger", "--help"], cwd)).toMatchObject({ status: 0 });
    const help = run(["--help"], cwd);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ {2}serve /m);
  });

  it("uses the copy installed in the project, even when none can be loaded beside the CLI", async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, "node_modules/@cortex"), { recursive: true });
    await symlink(join(import.meta.dirname, "../../server"), join(cwd, "node_modules/@cortex/server"), "dir");
    const result = run(["ledger", "verify", "missing.jsonl"], cwd);
    expect(result.stderr).toMatch(/^error \[CORTEX_INVALID_OPTIONS\]: no ledger at .*missing\.jsonl/m);
    expect(result.status).toBe(1);
  });

  it("passes a command's flags on in their declared order, repeated ones repeated, positionals after --", () => {
    const options = { a: {}, list: {}, flag: {}, unset: {} };
    expect(argvOf({ flag: true, list: ["x", "y"], a: "1", verbose: true }, options, ["-file"])).toEqual([
      "--a",
      "1",
      "--list",
      "x",
      "--list",
      "y",
      "--flag",
      "--",
      "-file",
    ]);
    expect(argvOf({}, options)).toEqual([]);
  });
});
