import { spawn, type ChildProcess } from "node:child_process";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, describe, expect, it } from "vitest";
import { importOptional } from "../src/optional.js";
import { CLI, cortex, inProcess, makeHost } from "./helpers.js";

const children: ChildProcess[] = [];
const clients: Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  for (const child of children) child.kill("SIGTERM");
});

/** Starts `cortex mcp serve --http 0` in the host and resolves to the URL it prints. */
function serve(cwd: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [CLI, "mcp", "serve", "--http", "0"], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      const url = /(http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err)?.[1];
      if (url) resolve(url);
    });
    child.once("exit", (code) => reject(new Error(`cortex mcp serve exited ${code}: ${err}`)));
  });
}

describe("cortex mcp", () => {
  it("serve offers the host's plugins as MCP tools over HTTP, and runs an AUTO one for the SDK client", async () => {
    const host = await makeHost();
    const url = await serve(host.dir, host.env);
    const client = new Client({ name: "cli-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    clients.push(client);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain("files__read");
    expect(names).toContain("calendar__list_events");
    const result = (await client.callTool({ name: "files__read", arguments: { path: "hello.txt" } })) as {
      isError?: boolean;
      content: { type: string; text: string }[];
    };
    expect(result.isError).not.toBe(true);
    expect(result.content[0]?.text).toContain("hello from the sandbox");
  });

  it("serve --help prints @cortex/mcp's usage; a subcommand other than serve is a usage error", async () => {
    const help = await cortex(["mcp", "serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stderr).toMatch(/^Usage: cortex mcp serve \[--http <port>\]/m);
    const wrong = await inProcess(["mcp", "frob"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/error \[CORTEX_CLI_USAGE\]: unknown mcp command "frob"/);
    const bare = await inProcess(["mcp"]);
    expect(bare.code).toBe(2);
    const own = await inProcess(["mcp", "--help"]);
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(/cortex mcp serve \[--http <port>\]/);
  });

  // A variable, so neither TypeScript nor the bundler tries to resolve it.
  const missing = String("@cortex/no-such-package");

  it("a missing optional package is CORTEX_CLI_MISSING_PACKAGE naming what to install; a broken one keeps its error", async () => {
    await expect(importOptional("@cortex/no-such-package", "thing", () => import(missing))).rejects.toMatchObject({
      code: "CORTEX_CLI_MISSING_PACKAGE",
      message: expect.stringContaining("npm install @cortex/no-such-package") as unknown,
    });
    const broken = Object.assign(new Error("Cannot find package 'left-pad' imported from x"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    await expect(importOptional("@cortex/mcp", "mcp serve", () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
