import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createEngine } from "@cortex/core";
import { isProcessRunning } from "@cortex/primitives";
import { approvalId, MemoryBroker, REDACTED, silentLogger } from "@cortex/plugins";
import { ScriptedModel } from "@cortex/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { McpToolData } from "../src/index.js";
import { eventually, quietRegistry, SILENT, tinyPlugin } from "./support.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** The tiny server registered as it is made, then set up: the registry reads its tools after setup. */
async function registered(options: Parameters<typeof tinyPlugin>[0] = {}, broker = new MemoryBroker({})) {
  const plugin = tinyPlugin(options);
  const registry = quietRegistry(broker);
  registry.register(plugin);
  cleanups.push(() => registry.shutdown());
  expect(await registry.setupAllPending()).toEqual({ ready: [plugin.name], failed: [] });
  return { plugin, registry };
}

const approved = (plugin: string, action: string, params: Record<string, unknown>) => ({
  approval: { id: approvalId(plugin, action, params), approved: true, decidedBy: "test" },
});

describe("mcpServerPlugin: tools as actions", () => {
  it("starts nothing until setup; setup lists the tools and the registry offers them", async () => {
    const pidFile = join(await mkdtemp(join(tmpdir(), "cortex-mcp-lazy-")), "pid");
    // The silent server writes its pid when it starts: made and registered, the plugin starts no process.
    const silent = tinyPlugin({ name: "silent", args: [SILENT, pidFile] });
    const plugin = tinyPlugin();
    const registry = quietRegistry();
    registry.register(silent);
    registry.register(plugin);
    cleanups.push(() => registry.shutdown());
    expect(registry.listActions()).toEqual([]);
    expect(plugin.version).toBe("0.0.0");
    expect(plugin.description).toBe("MCP server tiny");
    expect((await registry.health("tiny")).status).toBe("UNKNOWN");
    await new Promise((r) => setTimeout(r, 200));
    await expect(readFile(pidFile, "utf8")).rejects.toMatchObject({ code: "ENOENT" });

    expect(await registry.setupPending(["tiny"])).toEqual({ ready: ["tiny"], failed: [] });
    expect(registry.listActions().filter((a) => a.name === "echo")).toMatchObject([{ plugin: "tiny", tier: "AUTO" }]);
    expect(plugin.version).toBe("1.2.3");
    expect(await registry.execute("tiny", "echo", { text: "hi" })).toMatchObject({ success: true });
  });

  it("is set up by the first call to one of its tools: the registry lists them, then runs the call", async () => {
    const plugin = tinyPlugin();
    const registry = quietRegistry();
    registry.register(plugin);
    cleanups.push(() => registry.shutdown());
    expect(registry.state("tiny")).toBe("pending");
    expect(await registry.execute("tiny", "echo", { text: "first" })).toMatchObject({ success: true });
    expect(registry.state("tiny")).toBe("ready");
    expect(registry.listActions().some((action) => action.name === "echo")).toBe(true);
    await expect(registry.execute("tiny", "nope", {})).rejects.toMatchObject({ code: "CORTEX_ACTION_NOT_FOUND" });
  });

  it("offers each tool as an action with its schema, mapping names and refusing collisions and broken schemas", async () => {
    const { plugin, registry } = await registered();
    expect(plugin.version).toBe("1.2.3");
    const actions = Object.fromEntries(registry.listActions().map((a) => [a.name, a]));
    expect(actions.echo).toMatchObject({ plugin: "tiny", tier: "AUTO", parameters: { required: ["text"] } });
    expect(actions.dotted_name?.tier).toBe("AUTO");
    expect(actions.t_9lives?.tier).toBe("CONFIRM");
    expect(actions["a.b"] ?? actions.a_b).toBeUndefined();
    expect(actions["bad-schema"]).toBeUndefined();
    const refused = plugin.tools.filter((t) => t.status === "refused").map((t) => t.tool);
    expect(refused.sort()).toEqual(["a.b", "a_b", "bad-schema"]);
    expect(plugin.tools.find((t) => t.tool === "a.b")?.reason).toMatch(/also the name of tool "a_b"/);

    const result = await registry.execute("tiny", "dotted_name", {});
    expect(result).toMatchObject({ success: true, data: { content: [{ type: "text", text: "called dotted.name" }] } });
    // The registry validates with the tool's schema before the server is asked.
    await expect(registry.execute("tiny", "echo", { text: 5 })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
  });

  it("fails closed: destructive and unannotated tools are CONFIRM, explicit tiers win, annotations can be distrusted", async () => {
    const { registry } = await registered({ tiers: { echo: "ADMIN", "dotted.name": "CONFIRM" }, defaultTier: "ADMIN" });
    const tier = (name: string) => registry.listActions().find((a) => a.name === name)?.tier;
    expect(tier("echo")).toBe("ADMIN");
    expect(tier("dotted_name")).toBe("CONFIRM");
    expect(tier("write")).toBe("ADMIN");
    expect(tier("kinds")).toBe("AUTO");

    // Listed ahead of setup, in a session of its own that is closed again.
    const distrusting = tinyPlugin({ trustAnnotations: false });
    await distrusting.preload();
    expect(new Set(distrusting.listActions().map((a) => a.tier))).toEqual(new Set(["CONFIRM"]));
    expect(distrusting.version).toBe("1.2.3");
    expect((await distrusting.health()).status).toBe("UNKNOWN");
  });

  it("runs a CONFIRM tool only with an approval for the exact call", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-mcp-"));
    const log = join(dir, "log.txt");
    const { registry } = await registered({ env: { TINY_LOG: log } });
    await expect(registry.execute("tiny", "write", { text: "one" })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
    });
    await expect(
      registry.execute("tiny", "write", { text: "two" }, approved("tiny", "write", { text: "one" })),
    ).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    expect(
      await registry.execute("tiny", "write", { text: "one" }, approved("tiny", "write", { text: "one" })),
    ).toMatchObject({
      success: true,
    });
    expect(await readFile(log, "utf8")).toBe("one\n");
  });
});

describe("mcpServerPlugin: results", () => {
  it("maps every content kind, structured content and isError", async () => {
    const { registry } = await registered();
    const kinds = await registry.execute("tiny", "kinds", {});
    expect(kinds.success).toBe(true);
    expect(kinds.data).toEqual({
      content: [
        { type: "text", text: "hello" },
        { type: "image", mimeType: "image/png", bytes: 27 },
        { type: "audio", mimeType: "audio/wav", bytes: 27 },
        { type: "resource_link", uri: "file:///tmp/a.txt", name: "a.txt", mimeType: "text/plain" },
        { type: "resource", uri: "mem://note", mimeType: "text/plain", text: "inline" },
        { type: "resource", uri: "mem://blob", mimeType: "application/zip", bytes: 27 },
      ],
      structuredContent: { answer: 42 },
    });
    expect(await registry.execute("tiny", "fail", {})).toMatchObject({
      success: false,
      code: "CORTEX_MCP_TOOL_ERROR",
      error: "it went wrong",
    });
  });

  it("cuts a huge result at the limit with a note", async () => {
    const { registry } = await registered({ maxResultChars: 10_000 });
    const result = await registry.execute("tiny", "huge", {});
    const data = result.data as McpToolData;
    expect(JSON.stringify(data).length).toBeLessThanOrEqual(10_000);
    expect(data.truncated).toMatchObject({ originalChars: expect.any(Number) as number, limitChars: 10_000 });
    expect(data.truncated?.note).toMatch(/result cut to 10000 of \d+ characters/);
  });

  it("puts declared credentials in the child's environment and redacts them from everything it returns", async () => {
    const secret = "s3cr3t-value/with+chars";
    const broker = new MemoryBroker({ tiny_secret: secret });
    const credentials = { tiny_secret: { description: "a secret", env: "TINY_SECRET" } };
    const { plugin, registry } = await registered({ credentials }, broker);
    expect(plugin.credentials).toEqual({ tiny_secret: { description: "a secret", secret: true, required: true } });
    const result = await registry.execute("tiny", "env", {});
    const text = JSON.stringify(result);
    expect(text).toContain(REDACTED);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString("base64"));
    expect(text).not.toContain(encodeURIComponent(secret));
    expect((result.data as McpToolData).content[0]).toEqual({ type: "text", text: `secret=${REDACTED}` });
  });
});

describe("mcpServerPlugin: tools that change", () => {
  it("gives a tool that appears later the same rules, and never a laxer tier to a relabelled one", async () => {
    const { plugin, registry } = await registered();
    const changes: unknown[] = [];
    plugin.onActionsChanged((c) => changes.push(c));
    expect((await registry.execute("tiny", "add_tool", {})).success).toBe(true);
    expect(await eventually(() => changes.length > 0)).toBe(true);
    expect(changes[0]).toMatchObject({ added: ["late"] });
    // The registry reads the actions again when the plugin reports a change: the late tool is offered, with the same rules.
    expect(plugin.listActions().find((a) => a.name === "late")?.tier).toBe("AUTO");
    expect(await eventually(() => registry.listActions().some((a) => a.name === "late"))).toBe(true);
    expect(registry.listActions().find((a) => a.name === "late")?.tier).toBe("AUTO");

    expect((await registry.execute("tiny", "relabel", {})).success).toBe(true);
    expect(await eventually(() => changes.length > 1)).toBe(true);
    const tiers = Object.fromEntries(plugin.tools.map((t) => [t.tool, t]));
    // "write" now claims to be read-only: it keeps CONFIRM for the plugin's life.
    expect(tiers.write).toMatchObject({ tier: "CONFIRM", offeredTier: "CONFIRM" });
    // "echo" now claims to be destructive: its tier rises, and it no longer runs at the laxer tier it was registered with.
    expect(tiers.echo).toMatchObject({ tier: "CONFIRM", offeredTier: "AUTO" });
    // The registry has read the raised tier, so it asks for an approval before the plugin is entered…
    expect(registry.listActions().find((a) => a.name === "echo")?.tier).toBe("CONFIRM");
    await expect(registry.execute("tiny", "echo", { text: "hi" })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
    });
    // …and the plugin itself refuses to run it at the tier it was first offered at, for a host that never reads again.
    expect(
      await plugin.executeAction("echo", { text: "hi" }, { signal: new AbortController().signal, callId: "direct" }),
    ).toMatchObject({ success: false, code: "CORTEX_MCP_TIER_RAISED" });
  });
});

describe("mcpServerPlugin: faults", () => {
  it("turns a crash mid-call into a failure result, reports unhealthy, and restarts on the next call", async () => {
    const secret = "crash-secret-1234";
    const broker = new MemoryBroker({ tiny_secret: secret });
    const { registry } = await registered(
      { credentials: { tiny_secret: { description: "s", env: "TINY_SECRET" } }, broker },
      broker,
    );
    const crashed = await registry.execute("tiny", "crash", {});
    expect(crashed).toMatchObject({ success: false, code: "CORTEX_MCP_CALL_FAILED" });
    expect(crashed.error).toMatch(/connection ended during the call.*code 3/);
    expect(crashed.error).not.toContain(secret);
    const health = await registry.health("tiny");
    expect(health.status).toBe("UNHEALTHY");
    expect(health.error).toMatch(/code 3/);
    expect(await registry.execute("tiny", "echo", { text: "back" })).toMatchObject({
      success: true,
      data: { content: [{ type: "text", text: "back" }] },
    });
    expect((await registry.health("tiny")).status).toBe("HEALTHY");
  });

  it("never stalls on a server that stops answering: the call fails in time and the server is replaced", async () => {
    const { registry } = await registered({ callTimeoutMs: 500, pingTimeoutMs: 300 });
    const started = Date.now();
    const hung = await registry.execute("tiny", "hang", {});
    // Far below the registry's 60 s limit, which is all that would end a stalled call.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(hung).toMatchObject({ success: false, code: "CORTEX_MCP_CALL_FAILED" });
    expect(hung.error).toMatch(/did not answer within 500 ms, nor a ping within 300 ms/);
    expect((await registry.health("tiny")).status).toBe("UNHEALTHY");
    expect((await registry.execute("tiny", "echo", { text: "again" })).success).toBe(true);
  });

  it("keeps a slow tool's server when it still answers pings, and the registry's timeout still wins", async () => {
    // The ping after the call's 400 ms must be answered: a loaded machine gets 30 s for it.
    const { registry } = await registered({ callTimeoutMs: 400, pingTimeoutMs: 30_000 });
    expect(await registry.execute("tiny", "slow", {})).toMatchObject({
      success: false,
      error: expect.stringMatching(/still answers pings/) as string,
    });
    expect(await registry.execute("tiny", "slow", {}, { timeoutMs: 200 })).toMatchObject({
      success: false,
      code: "CORTEX_PLUGIN_TIMEOUT",
    });
    expect((await registry.health("tiny")).status).toBe("HEALTHY");
  });

  it("bounds restarts: after maxRestarts in a row, calls fail fast", async () => {
    const { registry } = await registered({ maxRestarts: 1, restartBackoffMs: 50, restartBackoffMaxMs: 60_000 });
    expect((await registry.execute("tiny", "crash", {})).code).toBe("CORTEX_MCP_CALL_FAILED");
    expect((await registry.execute("tiny", "crash", {})).code).toBe("CORTEX_MCP_CALL_FAILED");
    const started = Date.now();
    const refused = await registry.execute("tiny", "echo", { text: "x" });
    // Far below the 60 s a call would wait if it waited out the backoff (restartBackoffMaxMs) before refusing.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(refused).toMatchObject({ success: false, code: "CORTEX_MCP_SERVER_UNAVAILABLE" });
    expect(refused.error).toMatch(/restarted 1 time\(s\) in a row/);
  });

  it("fails setup in time when the server never answers initialize, leaving no process behind", async () => {
    const pidFile = join(await mkdtemp(join(tmpdir(), "cortex-mcp-silent-")), "pid");
    // A shell that writes its pid, then becomes a process that never answers: it starts in
    // milliseconds even where a loaded machine takes seconds to start node.
    const silent = tinyPlugin({
      command: "/bin/sh",
      args: ["-c", 'echo $$ > "$1"; exec sleep 3600', "silent", pidFile],
      connectTimeoutMs: 3_000,
    });
    await expect(silent.setup(new MemoryBroker({}))).rejects.toMatchObject({
      code: "CORTEX_MCP_CONNECT_FAILED",
      message: expect.stringMatching(/did not start and initialize within 3000 ms/) as string,
    });
    // The silent server did start (it wrote its pid), and no process of it is left.
    const pid = Number(await readFile(pidFile, "utf8"));
    expect(pid).toBeGreaterThan(0);
    expect(await eventually(() => !isProcessRunning(pid))).toBe(true);
    // In a registry, a server that cannot start is a failed setup, and the plugin offers nothing.
    const registry = quietRegistry();
    cleanups.push(() => registry.shutdown());
    registry.register(tinyPlugin({ command: "/no/such/program", connectTimeoutMs: 500 }));
    const report = await registry.setupAllPending();
    expect(report.ready).toEqual([]);
    expect(report.failed).toMatchObject([{ plugin: "tiny", error: { code: "CORTEX_MCP_CONNECT_FAILED" } }]);
    expect(registry.state("tiny")).toBe("failed");
    expect(registry.listActions()).toEqual([]);
  });

  it("ends the child and everything it started on teardown", async () => {
    const { registry } = await registered();
    const result = await registry.execute("tiny", "spawn", {});
    const grandchild = Number(
      (result.data as McpToolData).content[0] && (result.data as { content: { text: string }[] }).content[0]!.text,
    );
    expect(isProcessRunning(grandchild)).toBe(true);
    await registry.shutdown();
    expect(await eventually(() => !isProcessRunning(grandchild))).toBe(true);
  });
});

describe("mcpServerPlugin with @modelcontextprotocol/server-everything", () => {
  const everything = join(
    dirname(createRequire(import.meta.url).resolve("@modelcontextprotocol/server-everything/package.json")),
    "dist",
    "index.js",
  );

  it("maps a real server's tools, tiers, images, resource links and structured content, and redacts its environment", async () => {
    const secret = "everything-secret-0123456789";
    const broker = new MemoryBroker({ demo_key: secret });
    const { plugin, registry } = await registered(
      {
        name: "everything",
        args: [everything, "stdio"],
        credentials: { demo_key: { description: "echoed by get-env", env: "DEMO_KEY" } },
        broker,
      },
      broker,
    );
    expect(plugin.description).toBe("MCP server Everything Reference Server");
    const tiers = Object.fromEntries(registry.listActions().map((a) => [a.name, a.tier]));
    expect(tiers).toMatchObject({ echo: "AUTO", "get-env": "AUTO", "gzip-file-as-resource": "CONFIRM" });

    const image = (await registry.execute("everything", "get-tiny-image", {})).data as McpToolData;
    expect(image.content).toContainEqual({ type: "image", mimeType: "image/png", bytes: expect.any(Number) as number });
    const links = (await registry.execute("everything", "get-resource-links", { count: 2 })).data as McpToolData;
    expect(links.content.filter((p) => p.type === "resource_link")).toHaveLength(2);
    const weather = await registry.execute("everything", "get-structured-content", { location: "Chicago" });
    expect((weather.data as McpToolData).structuredContent).toMatchObject({ conditions: expect.any(String) as string });

    const env = JSON.stringify(await registry.execute("everything", "get-env", {}));
    expect(env).toContain(`DEMO_KEY`);
    expect(env).not.toContain(secret);
    // The child gets a small safe environment, not the host's.
    expect(env).not.toContain("VITEST");
  });
});

describe("mcpServerPlugin in an engine run", () => {
  it("is set up as the run starts: its tools are offered and run; a server that cannot start only loses its tools", async () => {
    const registry = quietRegistry();
    // Registered as made, nothing awaited: the engine sets up what the agent may use before it builds the tools.
    registry.register(tinyPlugin());
    registry.register(tinyPlugin({ name: "broken", command: "/no/such/program", connectTimeoutMs: 2_000 }));
    registry.register(tinyPlugin({ name: "unused" }));
    const model = new ScriptedModel([
      { toolCalls: [{ id: "e1", name: "tiny__echo", arguments: { text: "from the engine" } }] },
      { content: "done" },
    ]);
    const engine = createEngine({
      model,
      plugins: registry,
      agents: [{ id: "assistant", tools: ["tiny.echo", "tiny.kinds", "broken"] }],
      logger: silentLogger,
    });
    cleanups.push(() => engine.shutdown());
    const result = await engine.run("assistant", "echo something");
    expect(result).toMatchObject({ status: "completed", output: "done" });
    expect(model.requests[0]!.tools.map((t) => t.name).sort()).toEqual(["tiny__echo", "tiny__kinds"]);
    const tool = model.requests[1]!.messages.find((m) => m.role === "tool");
    expect(tool).toMatchObject({ name: "tiny__echo", content: expect.stringContaining("from the engine") as string });
    expect(registry.state("tiny")).toBe("ready");
    expect(registry.state("broken")).toBe("failed");
    // A plugin the agent's patterns cannot reach is left to start when something calls it.
    expect(registry.state("unused")).toBe("pending");
  });
});
