import { request } from "node:http";
import { AuditExtension, MemoryAuditRecorder, MetricsExtension } from "@cortex/core";
import { HookBus } from "@cortex/hooks";
import { MemoryBroker, PluginRegistry, silentLogger, type Plugin } from "@cortex/plugins";
import { RecordingExtension } from "@cortex/testing";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema, type ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { mcpServerPlugin, serveMcp, type McpServerHandle, type ServeMcpOptions } from "../src/index.js";
import { TINY } from "./support.js";
// @ts-expect-error -- a plain JavaScript fixture without types
import { createNotesPlugin } from "./fixtures/notes-plugin.mjs";

type Notes = Plugin & { calls: { action: string; params: unknown }[] };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function served(options: ServeMcpOptions = {}) {
  const notes = (createNotesPlugin as () => Notes)();
  const registry = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
  registry.register(notes);
  const handle: McpServerHandle = await serveMcp(registry, { transport: "http", logger: silentLogger, ...options });
  cleanups.push(async () => {
    await handle.close();
    await registry.shutdown();
  });
  return { notes, registry, handle, url: handle.url! };
}

async function connect(
  url: string,
  options: { elicit?: (message: string) => ElicitResult; headers?: Record<string, string> } = {},
) {
  const client = new Client(
    { name: "test-client", version: "1.0.0" },
    { capabilities: options.elicit ? { elicitation: { form: {} } } : {} },
  );
  if (options.elicit) {
    const elicit = options.elicit;
    client.setRequestHandler(ElicitRequestSchema, (request) => elicit(request.params.message));
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: options.headers ?? {} } }),
  );
  cleanups.push(() => client.close());
  return client;
}

const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]?.text ?? "";

describe("serveMcp over Streamable HTTP", () => {
  it("binds 127.0.0.1 and lists every action as a tool with annotations from its tier", async () => {
    const { url } = await served();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await connect(url);
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(["notes__add", "notes__list", "notes__purge", "notes__stamp"]);
    expect(byName.notes__list?.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
    });
    expect(byName.notes__stamp?.annotations).toMatchObject({ readOnlyHint: false });
    expect(byName.notes__stamp?.annotations?.destructiveHint).toBeUndefined();
    expect(byName.notes__add?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.notes__purge?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.notes__add?.inputSchema).toMatchObject({ type: "object", required: ["text"] });
  });

  it("sets up the MCP server plugins it serves before it lists their tools; the others stay lazy", async () => {
    const registry = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
    registry.register((createNotesPlugin as () => Notes)());
    registry.register(mcpServerPlugin({ name: "tiny", command: "node", args: [TINY], logger: silentLogger }));
    registry.register(mcpServerPlugin({ name: "other", command: "node", args: [TINY], logger: silentLogger }));
    registry.register(mcpServerPlugin({ name: "broken", command: "/no/such/program", logger: silentLogger }));
    const handle = await serveMcp(registry, {
      transport: "http",
      logger: silentLogger,
      tools: ["notes", "tiny__echo", "broken"],
    });
    cleanups.push(async () => {
      await handle.close();
      await registry.shutdown();
    });
    const client = await connect(handle.url!);
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(["notes__add", "notes__list", "notes__purge", "notes__stamp", "tiny__echo"]);
    expect(textOf(await client.callTool({ name: "tiny__echo", arguments: { text: "through" } }))).toContain("through");
    expect([registry.state("notes"), registry.state("other"), registry.state("broken")]).toEqual([
      "pending",
      "pending",
      "failed",
    ]);
  });

  it("runs AUTO tools and validates arguments like the registry does", async () => {
    const { url } = await served();
    const client = await connect(url);
    expect(await client.callTool({ name: "notes__list", arguments: {} })).toMatchObject({
      structuredContent: { notes: [] },
    });
    const invalid = await client.callTool({ name: "notes__add", arguments: { text: "" } });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toMatch(/^\[CORTEX_VALIDATION_FAILED\]/);
  });

  it("asks for CONFIRM through elicitation, showing the exact call, and runs it only when approved", async () => {
    const { url, notes } = await served();
    const messages: string[] = [];
    let answer: ElicitResult = { action: "accept", content: { approve: true } };
    const client = await connect(url, {
      elicit: (message) => {
        messages.push(message);
        return answer;
      },
    });
    const ok = await client.callTool({ name: "notes__add", arguments: { text: "buy milk" } });
    expect(ok.isError).toBeFalsy();
    expect(ok.structuredContent).toEqual({ added: "buy milk", count: 1 });
    expect(messages[0]).toContain("notes__add (tier CONFIRM)");
    expect(messages[0]).toContain('"text": "buy milk"');
    expect(messages[0]).toMatch(/Approval id: [0-9a-f]{64}/);

    answer = { action: "decline" };
    const declined = await client.callTool({ name: "notes__add", arguments: { text: "no" } });
    expect(declined.isError).toBe(true);
    expect(textOf(declined)).toMatch(/^\[CORTEX_APPROVAL_DENIED\].*"decline"/);
    answer = { action: "accept", content: { approve: false } };
    expect(textOf(await client.callTool({ name: "notes__add", arguments: { text: "no" } }))).toMatch(
      /CORTEX_APPROVAL_DENIED/,
    );
    expect(notes.calls).toEqual([{ action: "add", params: { text: "buy milk" } }]);
  });

  it("shows the plugin's preview when the registry offers one", async () => {
    class PreviewingRegistry extends PluginRegistry {
      override preview(plugin: string, action: string, params: unknown) {
        return Promise.resolve({
          summary: `${plugin}.${action} would add ${JSON.stringify(params)}`,
          diff: "+ buy milk",
        });
      }
    }
    const registry = new PreviewingRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
    registry.register((createNotesPlugin as () => Notes)());
    const handle = await serveMcp(registry, { transport: "http", logger: silentLogger });
    cleanups.push(async () => {
      await handle.close();
      await registry.shutdown();
    });
    const messages: string[] = [];
    const client = await connect(handle.url!, {
      elicit: (message) => (messages.push(message), { action: "accept", content: { approve: true } }),
    });
    await client.callTool({ name: "notes__add", arguments: { text: "buy milk" } });
    expect(messages[0]).toContain('Preview: notes.add would add {"text":"buy milk"}');
    expect(messages[0]).toContain("+ buy milk");
  });

  it("refuses CONFIRM with a clear error when the client cannot elicit", async () => {
    const { url, notes } = await served();
    const client = await connect(url);
    const refused = await client.callTool({ name: "notes__add", arguments: { text: "x" } });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/^\[CORTEX_MCP_APPROVAL_UNAVAILABLE\].*does not support elicitation/);
    expect(notes.calls).toEqual([]);
  });

  it("refuses ADMIN unless the configured principal is an admin, then still asks", async () => {
    const plain = await served({ principal: { id: "bob", roles: ["user"] } });
    const asked: string[] = [];
    const approve = (m: string): ElicitResult => (asked.push(m), { action: "accept", content: { approve: true } });
    const bob = await connect(plain.url, { elicit: approve });
    expect(textOf(await bob.callTool({ name: "notes__purge", arguments: {} }))).toMatch(/^\[CORTEX_FORBIDDEN\]/);
    expect(asked).toEqual([]);
    const none = await served();
    expect(
      textOf(await (await connect(none.url, { elicit: approve })).callTool({ name: "notes__purge", arguments: {} })),
    ).toMatch(/CORTEX_FORBIDDEN/);

    const admin = await served({ principal: { id: "root", roles: ["admin"] } });
    const root = await connect(admin.url, { elicit: approve });
    expect((await root.callTool({ name: "notes__purge", arguments: {} })).structuredContent).toEqual({ purged: true });
    expect(asked).toHaveLength(1);
    expect(plain.notes.calls.concat(none.notes.calls)).toEqual([]);
  });

  it("emits hook events for every call, so audit and metrics record MCP calls like engine calls", async () => {
    const bus = new HookBus({ logger: silentLogger });
    const recorder = new MemoryAuditRecorder();
    const metrics = new MetricsExtension();
    const recording = new RecordingExtension();
    bus.register(new AuditExtension({ recorder }));
    bus.register(metrics);
    bus.register(recording);
    const { url } = await served({ hooks: bus });
    const client = await connect(url, { elicit: () => ({ action: "accept", content: { approve: true } }) });
    await client.callTool({ name: "notes__list", arguments: {} });
    await client.callTool({ name: "notes__add", arguments: { text: "hello" } });
    await client.callTool({ name: "notes__purge", arguments: {} });
    await bus.flush();
    expect(recording.hooks()).toEqual([
      "toolCalled",
      "toolCompleted",
      "toolCalled",
      "checkpointCreated",
      "checkpointResolved",
      "toolCompleted",
      "toolCalled",
      "toolFailed",
    ]);
    const runIds = new Set(recording.events.map((e) => (e.event as { runId?: string }).runId).filter(Boolean));
    expect([...runIds]).toEqual([expect.stringMatching(/^mcp-[0-9a-f-]{36}$/) as string]);
    expect(recording.events.map((e) => (e.event as { seq: number }).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(recorder.events.map((e) => `${e.action}:${e.resourceId}:${e.outcome}`)).toEqual([
      "tool.call:notes__list:started",
      "tool.complete:notes__list:success",
      "tool.call:notes__add:started",
      expect.stringMatching(/^checkpoint\.create:[0-9a-f]{64}:pending$/) as string,
      expect.stringMatching(/^checkpoint\.resolve:[0-9a-f]{64}:approved$/) as string,
      "tool.complete:notes__add:success",
      "tool.call:notes__purge:started",
      "tool.fail:notes__purge:failure",
    ]);
    expect(metrics.snapshot().counters).toMatchObject({ toolCalled: 3, toolCompleted: 2, toolFailed: 1 });
  });
});

describe("serveMcp HTTP security", () => {
  // node:http, not fetch: fetch never sends a Host header of the caller's choosing, a rebinding page's browser does.
  const post = (url: string, headers: Record<string, string>) =>
    new Promise<{ status: number }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
          res.destroy();
        },
      );
      req.on("error", reject);
      req.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
        }),
      );
    });

  it("refuses a foreign Host or Origin (DNS rebinding) and accepts its own", async () => {
    const { url, handle } = await served();
    expect((await post(url, { host: `evil.example:${handle.port}` })).status).toBe(403);
    expect((await post(url, { origin: "http://evil.example" })).status).toBe(403);
    expect((await post(url, { origin: `http://localhost:${handle.port}` })).status).toBe(200);
    expect((await post(url, {})).status).toBe(200);
  });

  it("requires the bearer token when one is configured", async () => {
    const token = "a-long-enough-token-0123456789";
    const { url } = await served({ token });
    expect((await post(url, {})).status).toBe(401);
    expect((await post(url, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await post(url, { authorization: `Bearer ${token}` })).status).toBe(200);
    const client = await connect(url, { headers: { authorization: `Bearer ${token}` } });
    expect((await client.listTools()).tools).toHaveLength(4);
  });

  it("closes the session idle the longest when the session limit is reached", async () => {
    const { url } = await served({ maxSessions: 1 });
    const first = await connect(url);
    expect((await first.listTools()).tools).toHaveLength(4);
    const second = await connect(url);
    expect((await second.listTools()).tools).toHaveLength(4);
    await expect(first.listTools()).rejects.toThrow(/404|unknown or expired/);
  });

  it("refuses to listen beyond loopback without a token", async () => {
    const registry = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
    await expect(serveMcp(registry, { transport: "http", host: "0.0.0.0" })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "token",
    });
  });
});
