import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hashToken, runServeCommand, type CommandIO } from "../src/index.js";
import { pendingFileStore } from "./support/pending-files.js";
import { callInput, scriptedModel } from "./support/app.js";
import { useTempDirs } from "./support/ledger.js";
import { KEY, PEOPLE, PRINCIPALS, call, vote, waitFor, WAIT_MS } from "./support/server.js";
import { createEngine } from "@cortex/core";
import { FilesPlugin } from "@cortex/plugin-files";
import { MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";

const tempDir = useTempDirs();
const APP = fileURLToPath(new URL("fixtures/app.ts", import.meta.url));

function io(cwd: string, env: Record<string, string | undefined> = {}, signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CommandIO = {
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    env,
    cwd,
    ...(signal ? { signal } : {}),
  };
  return { io: value, out: () => out.join(""), err: () => err.join("") };
}

/** The URL the command printed once it listens; fails at once with its output when it ended instead. */
async function listening(run: ReturnType<typeof io>, exit: Promise<number>): Promise<string> {
  let ended: number | undefined;
  void exit.then((code) => (ended = code));
  return waitFor(
    () => {
      if (ended !== undefined) throw new Error(`serve exited with ${ended}: ${run.err()}`);
      return /is at (http:\/\/\S+) /.exec(run.err())?.[1];
    },
    WAIT_MS,
    "the server to listen",
  );
}

describe("runServeCommand", () => {
  it("prints a new token and the principals entry that holds only its hash", async () => {
    const cwd = await tempDir();
    const run = io(cwd);
    expect(await runServeCommand(["--new-token", "dana"], run.io)).toBe(0);
    const { token, principal } = JSON.parse(run.out()) as {
      token: string;
      principal: { id: string; tokenSha256: string };
    };
    expect(principal).toEqual({ id: "dana", roles: ["approver"], tokenSha256: hashToken(token) });
  });

  it("refuses bad arguments with exit status 2", async () => {
    const cwd = await tempDir();
    const unknown = io(cwd);
    expect(await runServeCommand(["--frobnicate"], unknown.io)).toBe(2);
    expect(unknown.err()).toMatch(/^error \[CORTEX_SERVER_USAGE\]: /);
    const noApp = io(cwd);
    expect(await runServeCommand([], noApp.io)).toBe(2);
    expect(noApp.err()).toContain("serve needs --app <module>");
    const badPort = io(cwd);
    expect(await runServeCommand(["--app", APP, "--port", "99999"], badPort.io)).toBe(2);
    const noPrincipals = io(cwd);
    expect(await runServeCommand(["--app", APP, "--port", "0"], noPrincipals.io)).toBe(1);
    expect(noPrincipals.err()).toContain("CORTEX_SERVER_PRINCIPALS");
  });

  it("serves the inbox beside an app: the app's run pauses, a vote through the server resumes it, Ctrl+C stops it", async () => {
    const cwd = await tempDir();
    const root = join(cwd, "sandbox");
    await mkdir(root);
    await writeFile(join(cwd, "principals.json"), JSON.stringify({ principals: PRINCIPALS }));
    await writeFile(join(cwd, "policy.json"), JSON.stringify({ confirm: { roles: ["admin"] } }));
    const controller = new AbortController();
    const run = io(cwd, { FILES_ROOT: root, CORTEX_SERVER_KEY: KEY }, controller.signal);
    const exit = runServeCommand(
      ["--app", APP, "--port", "0", "--principals", "principals.json", "--policy", "policy.json"],
      run.io,
    );
    const url = await listening(run, exit);
    expect(run.err()).toContain(
      `(the app's store, ledger ${join(cwd, ".cortex/approvals.ledger.jsonl")}; records signed)`,
    );

    // The app: its own engine over the same JSON-file store.
    const plugins = new PluginRegistry({ broker: new MemoryBroker({ files_root: root }), logger: silentLogger });
    plugins.register(new FilesPlugin());
    const engine = createEngine({
      model: scriptedModel(),
      plugins,
      runStore: pendingFileStore(join(cwd, ".cortex/runs")),
      logger: silentLogger,
      agents: [{ id: "writer", tools: ["files"] }],
    });
    const paused = await engine.run(
      "writer",
      callInput("files__write", { path: "served.txt", content: "via cortex serve" }),
    );
    expect(paused.status).toBe("awaiting_approval");

    expect(
      (
        await vote(url, "april", paused.checkpoint!.id, {
          decision: "approve",
          approvalId: paused.checkpoint!.approvalId,
        })
      ).body.error?.code,
    ).toBe("CORTEX_SERVER_FORBIDDEN");
    expect(
      (
        await vote(url, "alice", paused.checkpoint!.id, {
          decision: "approve",
          approvalId: paused.checkpoint!.approvalId,
        })
      ).body.status,
    ).toBe("approved");
    await waitFor(() => existsSync(join(root, "served.txt")), WAIT_MS, "the file");
    controller.abort();
    expect(await exit).toBe(0);
    await sleep(50);
    await expect(call(url, "/api/health", { as: "alice" })).rejects.toThrow();
    await engine.shutdown();
  });

  it("reads its settings from a config file, flags winning", async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, "conf"));
    await writeFile(
      join(cwd, "conf", "serve.json"),
      JSON.stringify({
        app: APP,
        principals: PRINCIPALS,
        store: "runs",
        ledger: "ledger.jsonl",
        port: 1,
        policy: { admin: { quorum: 3 } },
        secureCookies: true,
      }),
    );
    const controller = new AbortController();
    const run = io(cwd, { FILES_ROOT: cwd }, controller.signal);
    const exit = runServeCommand(["--config", "conf/serve.json", "--port", "0"], run.io);
    const url = await listening(run, exit);
    expect(run.err()).toContain(`ledger ${join(cwd, "conf", "ledger.jsonl")})`);
    expect((await call(url, "/api/health", { token: PEOPLE.bob.token })).body).toMatchObject({ status: "ok" });
    const signIn = await call(url, "/api/session", { method: "POST", body: { token: PEOPLE.bob.token } });
    expect(signIn.headers.get("set-cookie")).toMatch(/; Secure$/);
    controller.abort();
    expect(await exit).toBe(0);
  });
});
