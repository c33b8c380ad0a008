import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { cortex, makeHost } from "./helpers.js";

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

/**
 * A TCP server that accepts connections and never answers: a CalDAV server or model that hangs.
 * `connected` resolves at its first connection: the command is then surely under way.
 */
async function silentServer(): Promise<{ url: string; connected: Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connect!: () => void;
  const connected = new Promise<void>((resolve) => (connect = resolve));
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    connect();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let closeLater: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeLater?.();
  closeLater = undefined;
});

describe("Ctrl+C (SIGINT)", () => {
  it("ends `health` at once with status 130 when a plugin hangs", async () => {
    const silent = await silentServer();
    closeLater = silent.close;
    const host = await makeHost();
    const env = {
      ...host.env,
      CORTEX_CALENDAR_BACKEND: "caldav",
      CORTEX_CALENDAR_CALDAV_URL: `${silent.url}/calendar`,
      CORTEX_CALENDAR_CALDAV_USERNAME: "u",
      CORTEX_CALENDAR_CALDAV_PASSWORD: "p",
    };
    // The interrupt comes once `health` has reached the server, however long the CLI took to start.
    const { code, stderr, afterInterruptMs } = await cortex(["health"], {
      cwd: host.dir,
      env,
      interruptWhen: silent.connected,
    });
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted");
    // Without it the hung server would hold `health` for the CalDAV request timeout: 15 s from the request,
    // which came just before the interrupt. A CLI that ends at once takes a fraction of that even loaded.
    expect(afterInterruptMs).toBeLessThan(10_000);
  });

  it("ends `run` with status 130, like the commands that do not use the signal", async () => {
    const silent = await silentServer();
    closeLater = silent.close;
    const host = await makeHost();
    const env = {
      ...host.env,
      CORTEX_MODEL: "fake",
      CORTEX_MODEL_BASE_URL: `${silent.url}/v1`,
      CORTEX_MODEL_MAX_RETRIES: "0",
    };
    const { code } = await cortex(["run", "hello"], { cwd: host.dir, env, interruptWhen: silent.connected });
    expect(code).toBe(130);
  });

  it("passes the signal to exec's plugin call and resolves to 130", async () => {
    const host = await makeHost();
    const controller = new AbortController();
    controller.abort(new Error("interrupted"));
    let err = "";
    const code = await main(["exec", "files", "read", '{"path":"hello.txt"}'], {
      cwd: host.dir,
      env: host.env,
      stdin: new PassThrough(),
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => ((err += chunk), true) },
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(err).toContain("interrupted");
  });
});

describe("main's options", () => {
  it.each([
    [{ stdout: 5 }, "stdout"],
    [{ stderr: {} }, "stderr"],
    [{ env: "x" }, "env"],
    [{ cwd: 1 }, "cwd"],
  ])("refuses %j with CORTEX_INVALID_OPTIONS and exit status 2", async (io, option) => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string) => (written.push(chunk), true);
    try {
      expect(await main(["plugins"], io as never)).toBe(2);
    } finally {
      process.stderr.write = original;
    }
    expect(written.join("")).toMatch(new RegExp(`^error \\[CORTEX_INVALID_OPTIONS\\]: main\\(\\): io\\.${option} `));
  });
});
