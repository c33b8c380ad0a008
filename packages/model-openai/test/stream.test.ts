import { createEngine } from "@cortex/core";
import { silentLogger, type ModelStreamPart } from "@cortex/primitives";
import { afterEach, describe, expect, it } from "vitest";
import { ModelConnectionError, ModelRefusedError, OpenAIChatModel } from "../src/index.js";
import { request, sseEvents, startFakeServer, type FakeServer, type Reply } from "./fake-server.js";
import { notesRegistry } from "./notes-plugin.js";

let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(...replies: Reply[]): Promise<OpenAIChatModel> {
  server = await startFakeServer((_, index) => replies[index] ?? { status: 500, json: { error: "no more replies" } });
  // Far above what a request to the fake server takes on a loaded machine.
  return new OpenAIChatModel({ model: "test-model", baseURL: server.baseURL, maxRetries: 0, timeoutMs: 30_000 });
}

/** A `chat.completion.chunk` as OpenAI sends it, with one choice carrying `delta`. */
function chunk(delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "test-model",
    system_fingerprint: "fp_1",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  };
}

/** The last chunk of a stream asked for `include_usage`: no choices, the whole call's usage. */
function usageChunk(prompt: number, completion: number): Record<string, unknown> {
  return {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "test-model",
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/** Splits text into pieces of `size` characters, so events and even lines arrive cut across network chunks. */
const pieces = (text: string, size: number): string[] =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));

async function collect(parts: AsyncIterable<ModelStreamPart>): Promise<ModelStreamPart[]> {
  const all: ModelStreamPart[] = [];
  for await (const part of parts) all.push(part);
  return all;
}

const textAnswer = sseEvents([
  chunk({ role: "assistant", content: "", refusal: null }),
  chunk({ content: "Hel" }),
  chunk({ content: "lo, " }),
  chunk({ content: "world" }),
  chunk({}, "stop"),
  usageChunk(12, 3),
]);

/** Two tool calls whose argument strings arrive in pieces, interleaved, as OpenAI streams parallel calls. */
const toolAnswer = sseEvents([
  chunk({ role: "assistant", content: null }),
  chunk({
    tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "notes__add", arguments: "" } }],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"te' } }] }),
  chunk({
    tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "notes__add", arguments: '{"text"' } }],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'xt":"mi' } }] }),
  chunk({ tool_calls: [{ index: 1, function: { arguments: ':"eggs"}' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'lk"}' } }] }),
  chunk({}, "tool_calls"),
  usageChunk(40, 21),
]);

describe("OpenAIChatModel.stream over SSE", () => {
  it("yields text deltas as they arrive, then finish with the usage of the last chunk, and asks for it", async () => {
    const model = await serve({ sse: [textAnswer] });
    expect(await collect(model.stream(request()))).toEqual([
      { type: "text-delta", text: "Hel" },
      { type: "text-delta", text: "lo, " },
      { type: "text-delta", text: "world" },
      { type: "finish", usage: { inputTokens: 12, outputTokens: 3 }, finishReason: "stop" },
    ]);
    expect(server!.received[0]!.body).toMatchObject({
      model: "test-model",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Hello" }],
    });
  });

  it("reads events cut across network chunks (mid-line, mid-JSON) the same", async () => {
    const model = await serve({ sse: pieces(textAnswer, 7) });
    const parts = await collect(model.stream(request()));
    expect(parts.filter((p) => p.type === "text-delta").map((p) => p.text)).toEqual(["Hel", "lo, ", "world"]);
    expect(parts.at(-1)).toEqual({ type: "finish", usage: { inputTokens: 12, outputTokens: 3 }, finishReason: "stop" });
  });

  it("assembles tool calls whose deltas are split across chunks and interleaved, each whole, in index order", async () => {
    const model = await serve({ sse: pieces(toolAnswer, 50) });
    expect(await collect(model.stream(request()))).toEqual([
      { type: "tool-call", id: "call_a", name: "notes__add", arguments: '{"text":"milk"}' },
      { type: "tool-call", id: "call_b", name: "notes__add", arguments: '{"text":"eggs"}' },
      { type: "finish", usage: { inputTokens: 40, outputTokens: 21 }, finishReason: "tool-calls" },
    ]);
  });

  it("fails with ModelConnectionError when the connection drops mid-stream, after the text that came", async () => {
    const cut = textAnswer.indexOf("world");
    const model = await serve({ sse: [textAnswer.slice(0, cut)], drop: true });
    const seen: ModelStreamPart[] = [];
    const error = await (async () => {
      for await (const part of model.stream(request())) seen.push(part);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelConnectionError);
    expect((error as Error).message).toContain('model "test-model"');
    expect(seen).toEqual([
      { type: "text-delta", text: "Hel" },
      { type: "text-delta", text: "lo, " },
    ]);
  });

  it("fails with ModelConnectionError when the response ends before any choice finished", async () => {
    const model = await serve({ sse: [sseEvents([chunk({ content: "half an" })], false)] });
    await expect(collect(model.stream(request()))).rejects.toThrow(/ended before the answer was finished/);
  });

  it("reports a streamed refusal as ModelRefusedError", async () => {
    const model = await serve({
      sse: [sseEvents([chunk({ refusal: "I can't " }), chunk({ refusal: "help with that." }), chunk({}, "stop")])],
    });
    const error = await collect(model.stream(request())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelRefusedError);
    expect(error).toMatchObject({ refusal: "I can't help with that." });
  });

  it("cancels the HTTP request when the reader stops early", async () => {
    const long = sseEvents(Array.from({ length: 200 }, (_, i) => chunk({ content: `w${i} ` })));
    const model = await serve({ sse: pieces(long, 200) });
    for await (const part of model.stream(request())) if (part.type === "text-delta") break;
    // The server sees the client hang up before it has written the 200 events.
    await expect.poll(() => server!.received[0]?.hungUp, { timeout: 30_000 }).toBe(true);
  });

  it("asks for JSON with the request's schema (json_schema, not strict), or any JSON object without one", async () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const done = sseEvents([chunk({ content: '{"city":"Oslo"}' }), chunk({}, "stop")]);
    const model = await serve({ sse: [done] }, { sse: [done] });
    await collect(model.stream(request({ responseFormat: { type: "json", schema, name: "place" } })));
    await collect(model.stream(request({ responseFormat: { type: "json" } })));
    expect(server!.received[0]!.body).toMatchObject({
      response_format: { type: "json_schema", json_schema: { name: "place", schema, strict: false } },
    });
    expect(server!.received[1]!.body).toMatchObject({ response_format: { type: "json_object" } });
  });
});

describe("OpenAIChatModel.stream in a real engine", () => {
  it("streams the answer's text through engine.stream and sums the streamed usage over the run", async () => {
    const calls: unknown[] = [];
    const model = await serve({ sse: pieces(toolAnswer, 64) }, { sse: pieces(textAnswer, 16) });
    const engine = createEngine({
      model,
      plugins: notesRegistry(calls),
      logger: silentLogger,
      agents: [{ id: "assistant", instructions: "You keep notes." }],
    });
    const types: string[] = [];
    let text = "";
    let last: unknown;
    for await (const event of engine.stream("assistant", "Remember milk and eggs")) {
      types.push(event.type);
      if (event.type === "text-delta") text += event.text;
      last = event;
    }
    expect(text).toBe("Hello, world");
    expect(calls).toEqual([
      { plugin: "notes", action: "add", params: { text: "milk" } },
      { plugin: "notes", action: "add", params: { text: "eggs" } },
    ]);
    expect(types.filter((t) => t === "tool-result")).toHaveLength(2);
    expect(last).toMatchObject({
      type: "finish",
      result: { status: "completed", output: "Hello, world", usage: { inputTokens: 52, outputTokens: 24 } },
    });
    // The second request carries both calls, assembled, and their results.
    const second = server!.received[1]!.body as { messages: { role: string; tool_calls?: unknown[] }[] };
    expect(second.messages.find((m) => m.role === "assistant")!.tool_calls).toEqual([
      { id: "call_a", type: "function", function: { name: "notes__add", arguments: '{"text":"milk"}' } },
      { id: "call_b", type: "function", function: { name: "notes__add", arguments: '{"text":"eggs"}' } },
    ]);
    await engine.shutdown();
  });
});
