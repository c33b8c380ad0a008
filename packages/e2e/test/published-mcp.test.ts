import { copyFile, mkdir, mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mustRun,
  npmInstall,
  packedTarballs,
  removeProject,
  tarballOverrides,
  tempProject,
  WORKSPACE,
} from "./support/pack.js";

// @cortex/mcp as users get it: its packed tarball (with the other @cortex
// tarballs) installed by npm outside the workspace, next to a real MCP server
// from the npm registry. The host declares the server in its package.json;
// the script registers it, runs an AUTO and an approved CONFIRM tool, and
// serves a plugin over MCP to the SDK's own client.

const MCP_FOLDER = join(WORKSPACE, "packages/mcp");

const SCRIPT = `import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { registerMcpServers, serveMcp } from "@cortex/mcp";
import { approvalId, MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";

const [root] = process.argv.slice(2);
const broker = new MemoryBroker({});
// Limits far above what starting the server takes on a loaded machine (tens of seconds).
const registry = new PluginRegistry({ broker, logger: silentLogger, setupTimeoutMs: 90_000, timeoutMs: 90_000 });
const report = await registerMcpServers(registry, { broker, logger: silentLogger });
const tiers = Object.fromEntries(registry.listActions().map((a) => [a.name, a.tier]));
const write = { path: root + "/hello.txt", content: "from an MCP server" };
let unapproved;
try {
  await registry.execute("fs", "write_file", write);
} catch (error) {
  unapproved = error.code;
}
const written = await registry.execute("fs", "write_file", write, {
  approval: { id: approvalId("fs", "write_file", write), approved: true, decidedBy: "e2e" },
});
const listed = await registry.execute("fs", "list_directory", { path: root });
const health = await registry.health("fs");

const notes = [];
const served = new PluginRegistry({ broker, logger: silentLogger });
served.register({
  name: "notes", version: "1.0.0", description: "notes",
  setup() {}, teardown() {}, health: () => ({ plugin: "notes", status: "HEALTHY" }),
  listActions: () => [{ name: "add", description: "Add", tier: "CONFIRM", parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] } }],
  executeAction: (_action, params) => (notes.push(params.text), { success: true, data: { count: notes.length } }),
});
const server = await serveMcp(served, { transport: "http", logger: silentLogger });
const client = new Client({ name: "e2e", version: "1.0.0" }, { capabilities: { elicitation: {} } });
client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { approve: true } }));
await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
const tools = (await client.listTools()).tools.map((t) => t.name);
const added = await client.callTool({ name: "notes__add", arguments: { text: "hi" } });
await client.close();
await server.close();
await served.shutdown();
await registry.shutdown();
console.log(JSON.stringify({ report, tiers, unapproved, written: written.success, listed, health: health.status, tools, added, notes }));
`;

const CJS_SCRIPT = `const mcp = require("@cortex/mcp");
console.log(JSON.stringify({ plugin: typeof mcp.mcpServerPlugin, serve: typeof mcp.serveMcp, command: typeof mcp.runMcpServeCommand }));
`;

let project: string | undefined;
let tarballDir: string | undefined;

/**
 * The @cortex/mcp tarball, built from its sources into `dir` (never into the
 * package's own dist/, which a concurrent workspace build may be writing),
 * with `workspace:` ranges rewritten as `pnpm pack` does, then packed by npm.
 */
async function packMcp(dir: string): Promise<string> {
  const pkg = join(dir, "package");
  await mustRun("npx", ["tsup", "--out-dir", join(pkg, "dist")], { cwd: MCP_FOLDER });
  const manifest = JSON.parse(await readFile(join(MCP_FOLDER, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies?: unknown;
    scripts?: unknown;
  };
  for (const [name, range] of Object.entries(manifest.dependencies)) {
    if (range.startsWith("workspace:")) manifest.dependencies[name] = "^0.0.0";
  }
  delete manifest.devDependencies;
  delete manifest.scripts;
  await writeFile(join(pkg, "package.json"), JSON.stringify(manifest, null, 2));
  await copyFile(join(MCP_FOLDER, "README.md"), join(pkg, "README.md"));
  await mustRun("npm", ["pack", "--pack-destination", dir], { cwd: pkg });
  const file = (await readdir(dir)).find((f) => f.endsWith(".tgz"));
  return join(dir, file!);
}

beforeAll(async () => {
  tarballDir = await mkdtemp(join(tmpdir(), "cortex-e2e-mcp-tarball-"));
  const overrides: Record<string, string> = {
    ...tarballOverrides(await packedTarballs()),
    "@cortex/mcp": `file:${await packMcp(tarballDir)}`,
  };
  project = await tempProject("cortex-e2e-mcp-");
  const dependencies = {
    "@cortex/mcp": overrides["@cortex/mcp"],
    "@cortex/plugins": overrides["@cortex/plugins"],
    "@modelcontextprotocol/server-filesystem": "2026.8.31",
  };
  await mkdir(join(project, "files"));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify(
      {
        name: "cortex-e2e-mcp-host",
        private: true,
        type: "module",
        dependencies,
        overrides,
        cortex: {
          mcpServers: {
            fs: {
              command: "node",
              args: ["node_modules/@modelcontextprotocol/server-filesystem/dist/index.js", join(project, "files")],
              // Far above what starting node and the server takes on a loaded machine (default 10 s).
              connectTimeoutMs: 60_000,
            },
          },
        },
      },
      null,
      2,
    ),
  );
  await npmInstall(project);
  await writeFile(join(project, "run.mjs"), SCRIPT);
  await writeFile(join(project, "run.cjs"), CJS_SCRIPT);
}, 600_000);

afterAll(async () => {
  await removeProject(project);
  await removeProject(tarballDir);
});

describe("published @cortex/mcp", () => {
  it("registers a server declared in package.json and serves a registry to the SDK client", async () => {
    const root = join(project!, "files");
    const { stdout } = await mustRun(process.execPath, ["run.mjs", root], { cwd: project! });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result.report).toMatchObject({ registered: [{ name: "fs", package: "cortex-e2e-mcp-host" }], failed: [] });
    expect(result.tiers).toMatchObject({ list_directory: "AUTO", write_file: "CONFIRM" });
    expect(result.unapproved).toBe("CORTEX_APPROVAL_REQUIRED");
    expect(result.written).toBe(true);
    expect(JSON.stringify(result.listed)).toContain("hello.txt");
    expect(result.health).toBe("HEALTHY");
    expect(result.tools).toEqual(["notes__add"]);
    expect(result.added).toMatchObject({ structuredContent: { count: 1 } });
    expect(result.notes).toEqual(["hi"]);
    expect(await readFile(join(root, "hello.txt"), "utf8")).toBe("from an MCP server");
  });

  it("loads through require() too", async () => {
    const { stdout } = await mustRun(process.execPath, ["run.cjs"], { cwd: project! });
    expect(JSON.parse(stdout)).toEqual({ plugin: "function", serve: "function", command: "function" });
  });
});
