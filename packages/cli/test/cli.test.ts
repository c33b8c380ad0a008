import { describe, expect, it } from "vitest";
import { cortex } from "./helpers.js";

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe("cortex --help and bad arguments", () => {
  it("--help lists every command, the environment variables and the exit statuses", async () => {
    const { code, stdout } = await cortex(["--help"]);
    expect(code).toBe(0);
    for (const command of ["plugins", "health", "exec", "run", "demo"])
      expect(stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    for (const variable of [
      "CORTEX_FILES_ROOT",
      "CORTEX_CALENDAR_ICS_PATH",
      "CORTEX_CALENDAR_CALDAV_PASSWORD",
      "CORTEX_MODEL",
      "CORTEX_MODEL_BASE_URL",
      "CORTEX_MODEL_API_KEY",
    ]) {
      expect(stdout).toContain(variable);
    }
    expect(stdout).toContain("calendar_ics_path -> CORTEX_CALENDAR_ICS_PATH");
    expect(stdout).toMatch(/Exit status: 0 success; 1 .*; 2 bad arguments/s);
  });

  it("<command> --help shows its usage and options", async () => {
    const { code, stdout } = await cortex(["exec", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: cortex exec <plugin> <action> [params-json]");
    expect(stdout).toContain("--params-file <file>");
    expect(stdout).toContain("--admin");
    expect((await cortex(["help", "demo"])).stdout).toContain("Usage: cortex demo");
  });

  it("--version prints the package version", async () => {
    const { code, stdout } = await cortex(["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["plugins", "--frob"], /Unknown option '--frob'/],
    [["exec", "files"], /"exec" needs at least 2 argument\(s\), got 1/],
    [["plugins", "extra"], /"plugins" takes no argument\(s\); unexpected "extra"/],
    [["run", "hi", "--max-steps", "zero"], /--max-steps must be a positive whole number/],
    [["exec", "files", "list", "--params-file"], /--params-file <value>' argument missing/],
  ])("%j is a usage error: exit 2, a coded message, no stack trace", async (args, message) => {
    const { code, stdout, stderr } = await cortex(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error \[CORTEX_CLI_USAGE\]: /);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/usage: cortex|cortex --help/);
    expect(stdout).toBe("");
    noStack(stderr);
  });

  it("no command prints the help on stderr with exit 2", async () => {
    const { code, stdout, stderr } = await cortex([]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("Usage: cortex <command>");
  });

  it("a folder without package.json is a coded error, not a crash", async () => {
    const { code, stderr } = await cortex(["plugins"], { cwd: "/" });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error \[CORTEX_DISCOVERY_FAILED\]: /);
    noStack(stderr);
  });
});
