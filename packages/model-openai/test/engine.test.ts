import { createEngine } from "@cortex/core";
import { ActionTier, PluginHealthStatus, PluginRegistry, silentLogger, type Plugin } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { afterEach, describe, expect, it } from "vitest";
import { OpenAIChatModel } from "../src/index.js";
import { completion, startFakeServer, type FakeServer, type Reply } from "./fake-server.js";

/* End to end: the adapter in a real engine with a real PluginRegistry. */
const parameters = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };
const silent = silentLogger;

function notesRegistry(calls: unknown[]): PluginRegistry {
  const plugin: Plugin = {
    name: "notes",
    version: "1.0.0",
    description: "Keeps notes",
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    listActions: () => [{ name: "add", description: "Add a note", tier: ActionTier.AUTO, parameters }],
    executeAction: (action, params) => {
      calls.push({ plugin: "notes", action, params });
      return Promise.resolve({ success: true, data: { count: 1 } });
    },
    health: () => Promise.resolve({ plugin: "notes", status: PluginHealthStatus.HEALTHY }),
  };
  const registry = new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger });
  registry.register(plugin);
  return registry;
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function engineWith(replies: Reply[], calls: unknown[] = []) {
  server = await startFakeServer((_, index) => replies[index] ?? { status: 500, json: { error: "no more replies" } });
  const model = new OpenAIChatModel({ model: "test-model", baseURL: server.baseURL, maxRetries: 0, timeoutMs: 5_000 });
  const engine = createEngine({
    model,
    plugins: notesRegistry(calls),
    logger: silent,
    agents: [{ id: "assistant", instructions: "You keep notes." }],
  });
  return { engine, server };
}

describe("OpenAIChatModel in a real engine", () => {
  it("runs a tool call round trip and sends the tool result back", async () => {
    const calls: unknown[] = [];
    const { engine, server } = await engineWith(
      [
        {
          json: completion({
            tool_calls: [
              { id: "call_1", type: "function", function: { name: "notes__add", arguments: '{"text":"milk"}' } },
            ],
          }),
        },
        { json: completion({ content: "Noted: milk." }) },
      ],
      calls,
    );
    const result = await engine.run("assistant", "Remember milk");
    expect(result).toMatchObject({ status: "completed", output: "Noted: milk." });
    expect(calls).toEqual([{ plugin: "notes", action: "add", params: { text: "milk" } }]);

    const first = server.received[0]!.body as { messages: unknown[]; tools: unknown[] };
    expect(first.messages).toEqual([
      { role: "system", content: "You keep notes." },
      { role: "user", content: "Remember milk" },
    ]);
    expect(first.tools).toEqual([
      { type: "function", function: expect.objectContaining({ name: "notes__add", parameters }) as unknown },
    ]);

    const second = server.received[1]!.body as {
      messages: { role: string; tool_call_id?: string; content?: unknown }[];
    };
    expect(second.messages.slice(2)).toEqual([
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "call_1", type: "function", function: { name: "notes__add", arguments: '{"text":"milk"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: JSON.stringify({ ok: true, data: { count: 1 } }) },
    ]);
    await engine.shutdown();
  });

  it("fails the run when the model sends arguments that are not JSON", async () => {
    const calls: unknown[] = [];
    const { engine } = await engineWith(
      [
        {
          json: completion({
            tool_calls: [{ id: "c", type: "function", function: { name: "notes__add", arguments: "{text: milk" } }],
          }),
        },
      ],
      calls,
    );
    const result = await engine.run("assistant", "Remember milk");
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_INVALID_TOOL_CALL" } });
    expect(calls).toHaveLength(0);
    await engine.shutdown();
  });

  it("fails the run with the adapter's error when the server fails", async () => {
    const { engine } = await engineWith([{ status: 503, json: { error: { message: "overloaded" } } }]);
    const result = await engine.run("assistant", "Hi");
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "CORTEX_MODEL_ERROR" });
    expect(result.error?.message).toContain("HTTP 503");
    await engine.shutdown();
  });
});
