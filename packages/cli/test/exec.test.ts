import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, cortex, HANG_GUARD_MS, makeHost } from "./helpers.js";

describe("cortex exec", () => {
  it("runs an AUTO action and prints the result JSON", async () => {
    const host = await makeHost();
    const { code, stdout, stderr } = await cortex(["exec", "files", "read", '{"path":"hello.txt"}'], {
      cwd: host.dir,
      env: host.env,
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ success: true, data: { content: "hello from the sandbox\n" } });
  });

  it("reads the parameters from --params-file (a path relative to the folder, or - for stdin)", async () => {
    const host = await makeHost();
    await writeFile(join(host.dir, "params.json"), '{"path": "hello.txt"}');
    const fromFile = await cortex(["exec", "files", "read", "--params-file", "params.json"], {
      cwd: host.dir,
      env: host.env,
    });
    expect(fromFile.code).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ success: true });
    const fromStdin = await cortex(["exec", "files", "read", "--params-file", "-"], {
      cwd: host.dir,
      env: host.env,
      input: '{"path":"hello.txt"}',
    });
    expect(fromStdin.code).toBe(0);
  });

  it("refuses a CONFIRM action without a terminal and without --yes; the plugin never runs", async () => {
    const host = await makeHost();
    const { code, stdout, stderr } = await cortex(["exec", "files", "write", '{"path":"new.txt","content":"x"}'], {
      cwd: host.dir,
      env: host.env,
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^error \[CORTEX_APPROVAL_REQUIRED\]: "files\.write" \(CONFIRM\) requires approval/);
    expect(stderr).toContain("hint: nobody can be asked without a terminal; rerun with --yes");
    expect(existsSync(join(host.root, "new.txt"))).toBe(false);
  });

  it("runs a CONFIRM action with --yes", async () => {
    const host = await makeHost();
    const { code, stdout, stderr } = await cortex(
      ["exec", "files", "write", '{"path":"new.txt","content":"x"}', "--yes"],
      { cwd: host.dir, env: host.env },
    );
    expect(code).toBe(0);
    expect(stderr).toContain("approved with --yes: files.write (CONFIRM)");
    expect(JSON.parse(stdout)).toMatchObject({ success: true, data: { path: "new.txt", created: true } });
    expect(await readFile(join(host.root, "new.txt"), "utf8")).toBe("x");
  });

  it("refuses an ADMIN action without --admin, even with --yes", async () => {
    const host = await makeHost();
    const { code, stderr } = await cortex(["exec", "files", "delete", '{"path":"hello.txt"}', "--yes"], {
      cwd: host.dir,
      env: host.env,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error \[CORTEX_FORBIDDEN\]: "files\.delete" \(ADMIN\) is forbidden: no principal was given/,
    );
    expect(stderr).toContain("hint: ADMIN actions need --admin");
    expect(existsSync(join(host.root, "hello.txt"))).toBe(true);
  });

  it("runs an ADMIN action with --admin --yes (or --principal <id> --yes)", async () => {
    const host = await makeHost();
    const admin = await cortex(["exec", "files", "delete", '{"path":"hello.txt"}', "--admin", "--yes"], {
      cwd: host.dir,
      env: host.env,
    });
    expect(admin.code).toBe(0);
    expect(existsSync(join(host.root, "hello.txt"))).toBe(false);
    await writeFile(join(host.root, "again.txt"), "");
    const named = await cortex(["exec", "files", "delete", '{"path":"again.txt"}', "--principal", "ops-bot", "--yes"], {
      cwd: host.dir,
      env: host.env,
    });
    expect(named.code).toBe(0);
    expect(existsSync(join(host.root, "again.txt"))).toBe(false);
  });

  it("prints every validation problem on its own line with its JSON pointer", async () => {
    const host = await makeHost();
    const { code, stdout, stderr } = await cortex(
      ["exec", "calendar", "create_event", '{"title":"","start":"2026-06-01T09:00:00Z","colour":"red"}', "--yes"],
      { cwd: host.dir, env: host.env },
    );
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toBe('error [CORTEX_VALIDATION_FAILED]: invalid parameters for "calendar.create_event":');
    expect(lines).toContain("  /end: is required");
    expect(lines).toContain("  /colour: is not an allowed property");
    expect(lines.some((l) => l.startsWith("  /title: "))).toBe(true);
    expect(stderr).not.toContain("approved with --yes");
  });

  it("rejects parameters that are not a JSON object with exit 2", async () => {
    const host = await makeHost();
    for (const params of ["{not json", "[1,2]", "null"]) {
      const { code, stderr } = await cortex(["exec", "files", "read", params], { cwd: host.dir, env: host.env });
      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^error \[CORTEX_CLI_INVALID_PARAMS\]: the params argument (is not valid JSON|must be a JSON object)/,
      );
    }
    const both = await cortex(["exec", "files", "read", "{}", "--params-file", "x.json"], { cwd: host.dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /^error \[CORTEX_CLI_USAGE\]: give the parameters either as an argument or with --params-file/,
    );
    const missing = await cortex(["exec", "files", "read", "--params-file", "nope.json"], { cwd: host.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error \[CORTEX_CLI_INVALID_PARAMS\]: cannot read --params-file nope\.json/);
  });

  it("names an unknown plugin or action with a coded error", async () => {
    const host = await makeHost();
    const plugin = await cortex(["exec", "mail", "send"], { cwd: host.dir, env: host.env });
    expect(plugin.code).toBe(1);
    expect(plugin.stderr).toMatch(/^error \[CORTEX_PLUGIN_NOT_FOUND\]: plugin "mail" is not registered/);
    const action = await cortex(["exec", "files", "shred"], { cwd: host.dir, env: host.env });
    expect(action.stderr).toMatch(/^error \[CORTEX_ACTION_NOT_FOUND\]: plugin "files" has no action "shred"/);
  });

  it("prints a failed result and exits 1 with the result's code", async () => {
    const host = await makeHost();
    const { code, stdout, stderr } = await cortex(["exec", "files", "read", '{"path":"absent.txt"}'], {
      cwd: host.dir,
      env: host.env,
    });
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ success: false });
    expect(stderr).toMatch(/^error \[CORTEX_[A-Z_]+\]: /);
  });

  it("reports a missing credential with the variable to set", async () => {
    const host = await makeHost();
    const { code, stderr } = await cortex(["exec", "files", "list"], { cwd: host.dir });
    expect(code).toBe(1);
    expect(stderr).toContain("CORTEX_FILES_ROOT");
    expect(stderr).toContain("hint: credentials come from environment variables");
  });

  it("exits quietly when the reader of its output goes away (`| head -c 1`: EPIPE)", async () => {
    const host = await makeHost();
    await writeFile(join(host.root, "big.txt"), "a".repeat(300_000));
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
      const child = spawn(process.execPath, [CLI, "exec", "files", "read", '{"path":"big.txt"}'], {
        cwd: host.dir,
        env: { ...process.env, ...host.env, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.stdout.once("data", () => child.stdout.destroy());
      const timer = setTimeout(() => child.kill("SIGKILL"), HANG_GUARD_MS);
      child.on("error", fail);
      child.on("close", (code) => {
        clearTimeout(timer);
        done({ code, stderr });
      });
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
