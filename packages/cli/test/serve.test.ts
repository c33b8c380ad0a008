import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SERVE_OPTIONS } from "@cortex/server";
import { describe, expect, it } from "vitest";
import { serveCommand } from "../src/commands/serve.js";
import { CLI, cortex, tempDir } from "./helpers.js";

const APP = join(import.meta.dirname, "fixtures/serve-app.mjs");

/** `cortex serve …` started in `cwd`; `url` resolves once it prints where it listens. */
function startServe(args: string[], cwd: string) {
  const child = spawn(process.execPath, [CLI, "serve", ...args], {
    cwd,
    env: { PATH: process.env.PATH, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      const found = /is at (http:\/\/\S+) /.exec(stderr)?.[1];
      if (found) resolve(found);
    });
    void exited.then((code) => reject(new Error(`cortex serve exited with ${code}: ${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr };
}

describe("cortex serve", () => {
  it("declares the flags of @cortex/server's serve, so its help works before the package is installed", () => {
    expect(serveCommand.options).toEqual(SERVE_OPTIONS);
  });

  it("serves on 127.0.0.1, answers its health route to a principal's token (and no one else), and Ctrl+C stops it", async () => {
    const cwd = await tempDir();
    const made = await cortex(["serve", "--new-token", "dana"], { cwd });
    expect(made.code).toBe(0);
    const { token, principal } = JSON.parse(made.stdout) as { token: string; principal: object };
    await writeFile(join(cwd, "principals.json"), JSON.stringify({ principals: [principal] }));
    const run = startServe(
      [
        ...["--app", APP, "--port", "0", "--principals", "principals.json"],
        ...["--allowed-host", "inbox.test", "--allowed-host", "approvals.test"],
      ],
      cwd,
    );
    try {
      const url = await run.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${token}` } });
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", store: { ok: true }, ledger: { ok: true } });
      const anonymous = await fetch(`${url}/api/health`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: "CORTEX_SERVER_UNAUTHENTICATED" } });
      const wrong = await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${token}x` } });
      expect(wrong.status).toBe(401);
      // Both repeated --allowed-host values reach the server.
      for (const host of ["inbox.test", "approvals.test"]) {
        const named = await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${token}`, host } });
        expect(named.status, host).toBe(200);
      }
    } finally {
      run.child.kill("SIGINT");
    }
    expect(await run.exited).toBe(130);
    expect(run.stderr()).not.toMatch(/^\s+at /m);
  });

  it("refuses a bad command line with exit status 2, through the same parser as the other commands", async () => {
    const cwd = await tempDir();
    const unknown = await cortex(["serve", "--frobnicate"], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error \[CORTEX_CLI_USAGE\]: .*--frobnicate/m);
    const noApp = await cortex(["serve", "--port", "0"], { cwd });
    expect(noApp.code).toBe(2);
    expect(noApp.stderr).toMatch(/^error \[CORTEX_SERVER_USAGE\]: serve needs --app <module>/m);
  });

  it("is listed by cortex --help, and its own help names every flag", async () => {
    const help = await cortex(["--help"]);
    expect(help.stdout).toMatch(/^ {2}serve +Serve the approval inbox/m);
    const own = await cortex(["serve", "--help"]);
    expect(own.code).toBe(0);
    for (const flag of Object.keys(SERVE_OPTIONS)) expect(own.stdout).toContain(`--${flag} `);
  });
});
