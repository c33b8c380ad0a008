import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mustRun,
  npmInstall,
  packedTarballs,
  removeProject,
  tarballOverrides,
  tempProject,
  type PackedName,
} from "./support/pack.js";
import { packedServer } from "./support/pack-server.js";

// @cortex/server as users get it: its packed tarball (with the web page's
// files) installed by npm beside the packed engine, plugins and files
// plugin, outside the workspace. A plain ESM script pauses a run, serves
// the inbox, approves the call through the API and verifies the ledger.

const SCRIPT = `import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createEngine, JsonFileRunStore } from "@cortex/core";
import { FilesPlugin } from "@cortex/plugin-files";
import { MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";
import { createApprovalServer, hashToken, JsonlLedger, newToken, verifyLedgerFile } from "@cortex/server";
import { ScriptedModel } from "@cortex/testing";

const [dir] = process.argv.slice(2);
const root = join(dir, "sandbox");
const step = (request) => {
  const last = request.messages.at(-1);
  if (last.role === "tool") return { content: "done" };
  return { toolCalls: [{ id: "c1", name: "files__write", arguments: { path: "hello.txt", content: "approved in the inbox" } }] };
};
// A JSON-file store; its listPending comes from @cortex/core when that version has it, else from these lines.
const store = new JsonFileRunStore(join(dir, "runs"));
if (typeof store.listPending !== "function") {
  store.listPending = async () => {
    const names = await readdir(join(dir, "runs", "checkpoints")).catch(() => []);
    const items = [];
    for (const name of names.filter((n) => !n.includes("."))) {
      const runId = (await readFile(join(dir, "runs", "checkpoints", name), "utf8")).trim();
      const state = await store.load(runId);
      const cp = state?.checkpoint;
      if (state?.status === "awaiting_approval" && cp?.id === name)
        items.push({ checkpointId: cp.id, runId, agentId: state.agentId, plugin: cp.plugin, action: cp.action, tier: cp.tier, params: cp.args, approvalId: cp.approvalId, createdAt: cp.createdAt });
    }
    return { items };
  };
}
const engineOver = () => {
  const plugins = new PluginRegistry({ broker: new MemoryBroker({ files_root: root }), logger: silentLogger });
  plugins.register(new FilesPlugin());
  return createEngine({ model: new ScriptedModel(Array.from({ length: 10 }, () => step)), plugins, runStore: store, logger: silentLogger, agents: [{ id: "writer", tools: ["files"] }] });
};
const app = engineOver();
const paused = await app.run("writer", "write hello");
const token = newToken();
const ledgerPath = join(dir, "approvals.ledger.jsonl");
const server = await createApprovalServer({
  store,
  engine: engineOver(),
  ledger: new JsonlLedger({ path: ledgerPath, key: "e2e-key-of-at-least-thirty-two-bytes" }),
  principals: [{ id: "alice", roles: ["approver"], tokenSha256: hashToken(token) }],
  port: 0,
  logger: silentLogger,
});
const url = await server.listen();
const api = (path, init = {}) => fetch(url + path, { ...init, headers: { authorization: "Bearer " + token, "content-type": "application/json" } }).then((r) => r.json());
const listed = await api("/api/checkpoints");
const decided = await api("/api/checkpoints/" + paused.checkpoint.id + "/decision", { method: "POST", body: JSON.stringify({ decision: "approve", approvalId: paused.checkpoint.approvalId }) });
// The resume runs in the background: up to 60 s for it on a loaded machine.
for (const due = Date.now() + 60_000; Date.now() < due && !existsSync(join(root, "hello.txt")); ) await new Promise((r) => setTimeout(r, 25));
const page = await fetch(url + "/");
const unauthenticated = await fetch(url + "/api/checkpoints").then((r) => r.status);
await server.close();
await app.shutdown();
console.log(JSON.stringify({
  paused: paused.status,
  listed: listed.items.map((item) => item.checkpointId === paused.checkpoint.id),
  decided: decided.status,
  written: existsSync(join(root, "hello.txt")) ? await readFile(join(root, "hello.txt"), "utf8") : null,
  page: { status: page.status, csp: page.headers.get("content-security-policy"), html: (await page.text()).includes('src="/js/app.js"') },
  unauthenticated,
  ledger: await verifyLedgerFile(ledgerPath, "e2e-key-of-at-least-thirty-two-bytes"),
}));
`;

const CJS_SCRIPT = `const server = require("@cortex/server");
console.log(JSON.stringify({ createApprovalServer: typeof server.createApprovalServer, runServeCommand: typeof server.runServeCommand }));
`;

const INSTALLED: PackedName[] = [
  "@cortex/cli",
  "@cortex/core",
  "@cortex/plugins",
  "@cortex/primitives",
  "@cortex/testing",
  "@cortex/plugin-files",
];

let project: string | undefined;
let serverTarball: string | undefined;

beforeAll(async () => {
  const tarballs = await packedTarballs();
  serverTarball = await packedServer();
  project = await tempProject("cortex-e2e-server-");
  const overrides = { ...tarballOverrides(tarballs), "@cortex/server": `file:${serverTarball}` };
  const dependencies = Object.fromEntries(
    [...INSTALLED, "@cortex/server"].map((name) => [name, overrides[name as keyof typeof overrides]]),
  );
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "cortex-e2e-server", private: true, type: "module", dependencies, overrides }, null, 2),
  );
  await npmInstall(project);
  await mkdir(join(project, "sandbox"));
  await writeFile(join(project, "inbox.mjs"), SCRIPT);
  await writeFile(join(project, "inbox.cjs"), CJS_SCRIPT);
});

afterAll(async () => {
  await removeProject(project);
  if (serverTarball) await rm(dirname(serverTarball), { recursive: true, force: true });
});

describe("the published approval server", () => {
  it("ships the web page's files", async () => {
    const installed = join(project!, "node_modules/@cortex/server");
    expect(await readFile(join(installed, "web/index.html"), "utf8")).toContain(
      '<script type="module" src="/js/app.js"></script>',
    );
    const manifest = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(JSON.stringify(manifest.dependencies)).not.toContain("workspace:");
  });

  it("serves the inbox beside an app: a paused write is listed, approved through the API, and runs", async () => {
    const { stdout } = await mustRun(process.execPath, ["inbox.mjs", project!], { cwd: project! });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      paused: "awaiting_approval",
      listed: [true],
      decided: "approved",
      written: "approved in the inbox",
      page: { status: 200, html: true },
      unauthenticated: 401,
      ledger: { ok: true, records: 2, signed: true },
    });
    expect((result.page as { csp: string }).csp).toContain("script-src 'self'");
  });

  it("is what the published cortex command runs: ledger verify checks the inbox's ledger, serve makes tokens", async () => {
    const cortex = join(project!, "node_modules/@cortex/cli/dist/cli.js");
    const env = { NO_COLOR: "1", CORTEX_SERVER_KEY: "e2e-key-of-at-least-thirty-two-bytes" };
    const verified = await mustRun(process.execPath, [cortex, "ledger", "verify", "approvals.ledger.jsonl"], {
      cwd: project!,
      env,
    });
    expect(verified.stdout).toMatch(
      /approvals\.ledger\.jsonl: 2 records, intact; last 2 [0-9a-f]{64}; every MAC checked/,
    );
    const made = await mustRun(process.execPath, [cortex, "serve", "--new-token", "dana"], { cwd: project!, env });
    expect(JSON.parse(made.stdout)).toMatchObject({ principal: { id: "dana", roles: ["approver"] } });
  });

  it("loads through require() too", async () => {
    const { stdout } = await mustRun(process.execPath, ["inbox.cjs"], { cwd: project! });
    expect(JSON.parse(stdout)).toEqual({ createApprovalServer: "function", runServeCommand: "function" });
  });
});
