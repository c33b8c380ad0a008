import { spawn, type ChildProcess } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TINY } from "./support.js";

// The official SDK client against `cortex mcp serve` running in a child
// process, in a host project that depends on a plain-JavaScript plugin and
// declares an MCP server in its package.json.

const FIXTURE = join(import.meta.dirname, "fixtures", "serve-command.ts");
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
let host: string;
let log: string;
const children: ChildProcess[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  host = await mkdtemp(join(tmpdir(), "cortex-mcp-host-"));
  log = join(host, "calls.log");
  const pkg = join(host, "node_modules", "notes-plugin");
  await mkdir(pkg, { recursive: true });
  await copyFile(join(import.meta.dirname, "fixtures", "notes-plugin.mjs"), join(pkg, "index.mjs"));
  await writeFile(
    join(pkg, "package.json"),
    JSON.stringify({
      name: "notes-plugin",
      version: "1.0.0",
      type: "module",
      cortex: { plugins: { notes: "./index.mjs#default" } },
    }),
  );
  await writeFile(
    join(host, "package.json"),
    JSON.stringify({
      name: "host",
      private: true,
      dependencies: { "notes-plugin": "1.0.0" },
      // The connect limit is far above what starting node with the SDK takes on a loaded machine.
      cortex: {
        mcpServers: { tiny: { command: "node", args: [TINY], tiers: { echo: "AUTO" }, connectTimeoutMs: 40_000 } },
      },
    }),
  );
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  for (const child of children) child.kill("SIGTERM");
});

const env = () => ({ ...(process.env as Record<string, string>), CORTEX_NOTES_LOG: log, CORTEX_LOG_LEVEL: "warn" });
const calls = async () => (await readFile(log, "utf8").catch(() => "")).trim().split("\n").filter(Boolean);
const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text ?? "";

/** What the clients' transports could not read (a line on stdout that is not JSON-RPC, say). */
const transportErrors: string[] = [];

async function connect(transport: Transport, answers?: ElicitResult[]) {
  const client = new Client(
    { name: "sdk-client", version: "1.0.0" },
    { capabilities: answers ? { elicitation: {} } : {} },
  );
  client.onerror = (error) => transportErrors.push(error.message);
  if (answers) client.setRequestHandler(ElicitRequestSchema, () => answers.shift() ?? { action: "cancel" });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const stdio = () =>
  new StdioClientTransport({
    command: process.execPath,
    args: ["--import", TSX, FIXTURE],
    cwd: host,
    env: env(),
    stderr: "ignore",
  });

async function startHttp(): Promise<string> {
  const child = spawn(process.execPath, ["--import", TSX, FIXTURE, "--http", "0"], {
    cwd: host,
    env: env(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  children.push(child);
  let err = "";
  return new Promise((resolve, reject) => {
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      const url = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err)?.[1];
      if (url) resolve(url);
    });
    child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe("cortex mcp serve in a child process", () => {
  it("over stdio: lists plugins and the declared MCP server, runs AUTO, and CONFIRM after an accepted elicitation only", async () => {
    const client = await connect(stdio(), [{ action: "accept", content: { approve: true } }, { action: "decline" }]);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(["notes__list", "notes__add", "notes__purge", "tiny__echo", "tiny__write"]),
    );
    expect(await client.callTool({ name: "tiny__echo", arguments: { text: "through two hops" } })).toMatchObject({
      structuredContent: { content: [{ type: "text", text: "through two hops" }] },
    });
    // The plugin prints to the console; the stdio stream stays clean.
    expect((await client.callTool({ name: "notes__stamp", arguments: {} })).structuredContent).toEqual({ at: 1 });
    expect(transportErrors).toEqual([]);
    const accepted = await client.callTool({ name: "notes__add", arguments: { text: "approved" } });
    expect(accepted.structuredContent).toEqual({ added: "approved", count: 1 });
    const declined = await client.callTool({ name: "notes__add", arguments: { text: "declined" } });
    expect(textOf(declined)).toMatch(/^\[CORTEX_APPROVAL_DENIED\]/);
    const admin = await client.callTool({ name: "notes__purge", arguments: {} });
    expect(textOf(admin)).toMatch(/^\[CORTEX_FORBIDDEN\]/);
    expect(await calls()).toEqual(["stamp {}", 'add {"text":"approved"}']);
  });

  it("over stdio: refuses CONFIRM when the client does not support elicitation", async () => {
    const client = await connect(stdio());
    const refused = await client.callTool({ name: "notes__add", arguments: { text: "never" } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^\[CORTEX_MCP_APPROVAL_UNAVAILABLE\]/);
    expect(await calls()).not.toContain('add {"text":"never"}');
  });

  it("over Streamable HTTP: accepted, declined and unsupported elicitation", async () => {
    const url = await startHttp();
    const eliciting = await connect(new StreamableHTTPClientTransport(new URL(url)), [
      { action: "accept", content: { approve: true } },
      { action: "cancel" },
    ]);
    expect(
      (await eliciting.callTool({ name: "notes__add", arguments: { text: "over http" } })).structuredContent,
    ).toMatchObject({
      added: "over http",
    });
    expect(textOf(await eliciting.callTool({ name: "notes__add", arguments: { text: "cancelled" } }))).toMatch(
      /CORTEX_APPROVAL_DENIED.*"cancel"/,
    );
    const plain = await connect(new StreamableHTTPClientTransport(new URL(url)));
    expect(textOf(await plain.callTool({ name: "notes__add", arguments: { text: "plain" } }))).toMatch(
      /CORTEX_MCP_APPROVAL_UNAVAILABLE/,
    );
    expect((await plain.callTool({ name: "notes__list", arguments: {} })).structuredContent).toEqual({
      notes: ["over http"],
    });
    const all = await calls();
    expect(all.filter((c) => c.startsWith("add"))).toEqual(['add {"text":"approved"}', 'add {"text":"over http"}']);
  });

  it("prints usage for bad flags and exits 2", async () => {
    const child = spawn(process.execPath, ["--import", TSX, FIXTURE, "--http", "nope"], { cwd: host, env: env() });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--http needs a port number/);
  });
});
