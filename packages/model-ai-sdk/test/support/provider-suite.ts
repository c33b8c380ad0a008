import {
  ModelAbortedError,
  ModelBadResponseError,
  ModelConnectionError,
  ModelHttpError,
  silentLogger,
  type ModelStreamPart,
} from "@cortex/primitives";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AiSdkModelClient, AiSdkModelOptions } from "../../src/index.js";
import type { Answer } from "./answer.js";
import { Loopback, type Received, type Reply, type SseEvent } from "./loopback.js";
import { collect, rejection, request } from "./request.js";

/** The key every provider test is made with; no error may show it. */
export const KEY = "sk-test-0123456789-secret";

/** Polls of what the loopback server saw (a request, a closed connection): loaded machines take seconds. */
const POLL = { timeout: 30_000 };

/** One provider as the shared suite drives it: its real package, pointed at a loopback server. */
export interface ProviderCase {
  name: string;
  /** The real provider's language model at `baseURL`, wrapped by aiSdkModel. */
  model(baseURL: string, options?: AiSdkModelOptions): AiSdkModelClient | Promise<AiSdkModelClient>;
  json(answer: Answer): Reply;
  events(answer: Answer): SseEvent[];
  headers?: Record<string, string>;
  /** The provider's error reply for a status (500 server error, 503…). */
  error(status: number, message: string): Reply;
  /** The provider's 429, asking (its own way) to wait 30 ms. */
  rateLimit(message: string): Reply;
  /** The request id the provider's error replies carry, when it sends one. */
  requestId?: string;
  /** Checks the HTTP request the provider sent for the ROUND conversation. */
  checkRequest(received: Received, streaming: boolean): void;
  /** True when the provider gives its own tool-call ids (Gemini does not: the AI SDK makes them). */
  keepsToolCallIds: boolean;
}

const TWO_CALLS: Answer = {
  text: "Publishing both notes now.",
  toolCalls: [
    { id: "call_a", name: "notes__publish", args: { text: 'first, with "quotes" and ünïcode', tags: ["a", "b"] } },
    { id: "call_b", name: "notes__publish", args: { text: "second" } },
  ],
  usage: { input: 120, output: 45 },
};

function argsOf(part: { arguments: unknown }): unknown {
  return JSON.parse(part.arguments as string);
}

/** The behaviours every provider must show through aiSdkModel, against its real wire format on 127.0.0.1. */
export function describeProvider(provider: ProviderCase): void {
  describe(`${provider.name} through its real provider package`, () => {
    let server: Loopback;
    const make = (options: AiSdkModelOptions = {}) =>
      Promise.resolve(provider.model(server.url, { logger: silentLogger, maxRetries: 0, ...options }));
    const sse = (answer: Answer, extra: Partial<Extract<Reply, { kind: "sse" }>> = {}): Reply => ({
      kind: "sse",
      events: provider.events(answer),
      ...(provider.headers ? { headers: provider.headers } : {}),
      ...extra,
    });

    beforeEach(async () => {
      server = await Loopback.start();
    });
    afterEach(() => server.close());

    it("generate sends the conversation and tools, and reads text, tool calls, usage and the finish reason", async () => {
      server.reply(provider.json(TWO_CALLS));
      const model = await make();
      const response = await model.generate(request());
      provider.checkRequest(server.received[0]!, false);
      expect(response.content).toBe(TWO_CALLS.text);
      expect(response.toolCalls?.map((call) => [call.name, argsOf(call)])).toEqual([
        ["notes__publish", TWO_CALLS.toolCalls![0]!.args],
        ["notes__publish", TWO_CALLS.toolCalls![1]!.args],
      ]);
      if (provider.keepsToolCallIds) expect(response.toolCalls?.map((call) => call.id)).toEqual(["call_a", "call_b"]);
      else expect(new Set(response.toolCalls?.map((call) => call.id)).size).toBe(2);
      expect(response.usage).toEqual({ inputTokens: 120, outputTokens: 45 });
      expect(response.finishReason).toBe("tool-calls");
    });

    it("generate reads a plain answer, and a length stop", async () => {
      server.reply(provider.json({ text: "Done.", usage: { input: 3, output: 2 } }));
      server.reply(provider.json({ text: "Cut", finish: "length" }));
      const model = await make();
      expect(await model.generate(request())).toEqual({
        content: "Done.",
        usage: { inputTokens: 3, outputTokens: 2 },
        finishReason: "stop",
      });
      expect(await model.generate(request())).toMatchObject({ content: "Cut", finishReason: "length" });
    });

    it("stream yields text deltas, each tool call whole once its split arguments are assembled, then finish", async () => {
      server.reply(sse(TWO_CALLS, { splitFrames: true }));
      const model = await make();
      const parts = await collect(model.stream(request()));
      provider.checkRequest(server.received[0]!, true);
      const deltas = parts.filter((part) => part.type === "text-delta");
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.map((part) => part.text).join("")).toBe(TWO_CALLS.text);
      const calls = parts.filter((part) => part.type === "tool-call");
      expect(calls.map((call) => [call.name, argsOf(call)])).toEqual([
        ["notes__publish", TWO_CALLS.toolCalls![0]!.args],
        ["notes__publish", TWO_CALLS.toolCalls![1]!.args],
      ]);
      if (provider.keepsToolCallIds) expect(calls.map((call) => call.id)).toEqual(["call_a", "call_b"]);
      expect(parts.at(-1)).toEqual({
        type: "finish",
        usage: { inputTokens: 120, outputTokens: 45 },
        finishReason: "tool-calls",
      });
      expect(parts.filter((part) => part.type === "finish")).toHaveLength(1);
    });

    it("a 429 is a retryable ModelHttpError with retryAfterMs and the request id, never showing the key", async () => {
      server.reply(provider.rateLimit(`Rate limit reached for key ${KEY}`));
      const model = await make();
      const error = await rejection(() => model.generate(request()));
      expect(error).toBeInstanceOf(ModelHttpError);
      expect(error).toMatchObject({ code: "CORTEX_MODEL_HTTP_ERROR", status: 429, retryable: true, retryAfterMs: 30 });
      if (provider.requestId !== undefined) expect(error.requestId).toBe(provider.requestId);
      expect(error.message).toContain("Rate limit reached");
      expect(error.message).not.toContain(KEY);
      expect(JSON.stringify(error.cause ?? null)).not.toContain(KEY);
      expect(String((error.cause as Error | undefined)?.message)).not.toContain(KEY);
    });

    it("a 429 is retried after the wait the server asked for, not the backoff", async () => {
      server.reply(provider.rateLimit("slow down"), provider.json({ text: "ok" }));
      const model = await make({ maxRetries: 1, initialRetryDelayMs: 600_000 });
      expect((await model.generate(request())).content).toBe("ok");
      expect(server.received).toHaveLength(2);
    });

    it("a 500 is retryable: thrown when retries are off, retried with backoff otherwise", async () => {
      server.reply(provider.error(500, "internal failure"));
      const model = await make();
      expect(await rejection(() => model.generate(request()))).toMatchObject({
        code: "CORTEX_MODEL_HTTP_ERROR",
        status: 500,
        retryable: true,
      });
      server.reply(provider.error(500, "internal failure"), provider.error(503, "busy"), provider.json({ text: "ok" }));
      const retrying = await make({ maxRetries: 2, initialRetryDelayMs: 5 });
      expect((await retrying.generate(request())).content).toBe("ok");
      expect(server.received).toHaveLength(4);
    });

    it("a malformed body is a ModelBadResponseError, not retried", async () => {
      server.reply({
        kind: "text",
        status: 200,
        headers: { "content-type": "application/json" },
        body: '{"id": "x", ',
      });
      const model = await make({ maxRetries: 2, initialRetryDelayMs: 5 });
      const error = await rejection(() => model.generate(request()));
      expect(error).toBeInstanceOf(ModelBadResponseError);
      expect(error).toMatchObject({ code: "CORTEX_MODEL_BAD_RESPONSE", retryable: false });
      expect(server.received).toHaveLength(1);
    });

    it("a malformed stream event is a ModelBadResponseError", async () => {
      const events: (SseEvent | string)[] = provider.events({ text: "Hello there" }).slice(0, 2);
      events.push("{not json");
      server.reply({ kind: "sse", events, ...(provider.headers ? { headers: provider.headers } : {}) });
      const model = await make();
      const error = await rejection(() => collect(model.stream(request())));
      expect(error).toBeInstanceOf(ModelBadResponseError);
    });

    it("a connection dropped mid-stream is a retryable ModelConnectionError after the text already streamed", async () => {
      const events = provider.events({ text: "This answer will be cut off midway" });
      server.reply(sse({}, { events: events.slice(0, Math.ceil(events.length / 2)), drop: true }));
      const model = await make();
      const seen: ModelStreamPart[] = [];
      const error = await rejection(async () => {
        for await (const part of model.stream(request())) seen.push(part);
      });
      expect(error).toBeInstanceOf(ModelConnectionError);
      expect(error).toMatchObject({ code: "CORTEX_MODEL_CONNECTION_ERROR", retryable: true });
      expect(seen.some((part) => part.type === "text-delta")).toBe(true);
      expect(seen.some((part) => part.type === "finish")).toBe(false);
    });

    it("a server that is not there is a ModelConnectionError", async () => {
      const gone = server.url;
      await server.close();
      const model = await Promise.resolve(provider.model(gone, { logger: silentLogger, maxRetries: 0 }));
      const error = await rejection(() => model.generate(request()));
      expect(error).toBeInstanceOf(ModelConnectionError);
      server = await Loopback.start();
    });

    it("an abort mid-stream ends the iteration with ModelAbortedError and closes the connection", async () => {
      const events = provider.events({ text: "Streaming for a long time" });
      server.reply(sse({}, { events: events.slice(0, Math.ceil(events.length / 2)), hold: true }));
      const model = await make();
      const controller = new AbortController();
      const error = await rejection(async () => {
        for await (const part of model.stream(request(undefined, { signal: controller.signal }))) {
          if (part.type === "text-delta") controller.abort(new Error("user pressed stop"));
        }
      });
      expect(error).toBeInstanceOf(ModelAbortedError);
      expect(error.message).toContain("user pressed stop");
      await expect.poll(() => server.clientClosed, POLL).toBe(1);
    });

    it("an abort while generate waits ends it with ModelAbortedError and closes the connection", async () => {
      server.reply({ kind: "hang" });
      const model = await make({ maxRetries: 2 });
      const controller = new AbortController();
      const pending = rejection(() => model.generate(request(undefined, { signal: controller.signal })));
      await expect.poll(() => server.received.length, POLL).toBe(1);
      controller.abort();
      const error = await pending;
      expect(error).toBeInstanceOf(ModelAbortedError);
      expect(error.retryable).toBe(false);
      await expect.poll(() => server.clientClosed, POLL).toBe(1);
      expect(server.received).toHaveLength(1);
    });
  });
}
