import { inspect } from "node:util";
import { createEngine } from "@cortex/core";
import { silentLogger } from "@cortex/plugins";
import { APIConnectionTimeoutError, OpenAI } from "openai";
import { MAX_TIMER_MS } from "@cortex/primitives";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CortexError,
  ModelAbortedError,
  ModelBadResponseError,
  ModelConfigError,
  ModelConnectionError,
  ModelHttpError,
  ModelRefusedError,
  ModelTimeoutError,
  OpenAIChatModel,
  type OpenAIChatModelOptions,
} from "../src/index.js";
import { CortexOpenAI } from "../src/client.js";
import { completion, request, startFakeServer, type FakeServer, type Reply } from "./fake-server.js";
import { notesRegistry, parameters } from "./notes-plugin.js";

const KEY = "sk-test-0123456789abcdef";
let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(reply: Reply | ((index: number) => Reply)): Promise<FakeServer> {
  server = await startFakeServer((_, index) => (typeof reply === "function" ? reply(index) : reply));
  return server;
}

function modelFor(fake: FakeServer, options: Partial<OpenAIChatModelOptions> = {}): OpenAIChatModel {
  return new OpenAIChatModel({
    model: "test-model",
    baseURL: fake.baseURL,
    apiKey: KEY,
    maxRetries: 0,
    // Far above what a request to the fake server takes on a loaded machine; timeout tests pass their own.
    timeoutMs: 30_000,
    ...options,
  });
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the promise to reject");
}

describe("OpenAIChatModel against an OpenAI-compatible server", () => {
  it("returns a text answer", async () => {
    const fake = await serve({ json: completion({ content: "Hi there" }) });
    await expect(modelFor(fake).generate(request())).resolves.toEqual({ content: "Hi there", finishReason: "stop" });
  });

  it("returns tool calls with the arguments string untouched", async () => {
    const args1 = '{"text": "buy milk",  "tags":["a"]}';
    const args2 = "{not json";
    const fake = await serve({
      json: completion(
        {
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "notes__add", arguments: args1 } },
            { id: "call_2", type: "function", function: { name: "notes__list", arguments: args2 } },
          ],
        },
        "tool_calls",
      ),
    });
    const response = await modelFor(fake).generate(request());
    expect(response).toEqual({
      toolCalls: [
        { id: "call_1", name: "notes__add", arguments: args1 },
        { id: "call_2", name: "notes__list", arguments: args2 },
      ],
      finishReason: "tool-calls",
    });
  });

  it("sends the mapped conversation, tools, model name and key", async () => {
    const fake = await serve({ json: completion({ content: "done" }) });
    const parameters = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };
    await modelFor(fake, { temperature: 0.2, extraHeaders: { "x-gateway": "cortex" } }).generate(
      request({
        messages: [
          { role: "system", content: "Be brief" },
          { role: "user", content: "Add a note" },
          {
            role: "assistant",
            content: "On it",
            toolCalls: [{ id: "call_1", name: "notes__add", arguments: { text: "milk" } }],
          },
          { role: "tool", toolCallId: "call_1", name: "notes__add", content: '{"ok":true}' },
          { role: "assistant", toolCalls: [{ id: "call_2", name: "notes__list", arguments: "{}" }] },
          { role: "tool", toolCallId: "call_2", name: "notes__list", content: '{"ok":true,"data":["milk"]}' },
        ],
        tools: [{ name: "notes__add", description: "Add a note", parameters }],
      }),
    );
    expect(fake.received).toHaveLength(1);
    const [received] = fake.received;
    expect(received!.method).toBe("POST");
    expect(received!.path).toBe("/v1/chat/completions");
    expect(received!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received!.headers["x-gateway"]).toBe("cortex");
    expect(received!.body).toEqual({
      model: "test-model",
      temperature: 0.2,
      messages: [
        { role: "system", content: "Be brief" },
        { role: "user", content: "Add a note" },
        {
          role: "assistant",
          content: "On it",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "notes__add", arguments: '{"text":"milk"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: '{"ok":true}' },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "call_2", type: "function", function: { name: "notes__list", arguments: "{}" } }],
        },
        { role: "tool", tool_call_id: "call_2", content: '{"ok":true,"data":["milk"]}' },
      ],
      tools: [{ type: "function", function: { name: "notes__add", description: "Add a note", parameters } }],
    });
  });

  it("leaves tools and temperature out when there are none", async () => {
    const fake = await serve({ json: completion({ content: "ok" }) });
    await modelFor(fake).generate(request());
    expect(Object.keys(fake.received[0]!.body as object).sort()).toEqual(["messages", "model"]);
  });

  it("sends a placeholder key to a local server when none is given", async () => {
    const fake = await serve({ json: completion({ content: "ok" }) });
    await modelFor(fake, { apiKey: undefined }).generate(request());
    expect(fake.received[0]!.headers.authorization).toBe("Bearer not-needed");
  });

  it("works with an injected client, applying timeoutMs and maxRetries per request", async () => {
    const fake = await serve({ status: 500, json: { error: { message: "down" } }, headers: { "retry-after-ms": "1" } });
    const client = new OpenAI({ baseURL: fake.baseURL, apiKey: KEY, maxRetries: 5 });
    const error = await failure(new OpenAIChatModel({ model: "m", client, maxRetries: 1 }).generate(request()));
    expect(error).toBeInstanceOf(ModelHttpError);
    expect(fake.received).toHaveLength(2);
  });
});

describe("OpenAIChatModel errors", () => {
  it("turns 401 into a coded HTTP error without retrying", async () => {
    const fake = await serve({
      status: 401,
      json: { error: { message: "Invalid key", type: "invalid_request_error" } },
    });
    const error = await failure(modelFor(fake, { maxRetries: 2 }).generate(request()));
    expect(error).toBeInstanceOf(ModelHttpError);
    expect(error).toBeInstanceOf(CortexError);
    expect(error).toMatchObject({
      code: "CORTEX_MODEL_HTTP_ERROR",
      name: "ModelHttpError",
      status: 401,
      retryable: false,
    });
    expect(error.message).toContain("HTTP 401");
    expect(error.message).toContain("Invalid key");
    expect(error.message).toContain('"test-model"');
    expect(fake.received).toHaveLength(1);
  });

  it("turns 500 into a retryable coded HTTP error", async () => {
    const fake = await serve({ status: 500, json: { error: "model crashed" } });
    const error = await failure(modelFor(fake).generate(request()));
    expect(error).toMatchObject({ code: "CORTEX_MODEL_HTTP_ERROR", status: 500, retryable: true });
    expect(error.message).toContain("model crashed");
    expect(fake.received).toHaveLength(1);
  });

  it.each([
    [
      "vLLM's top-level message",
      { object: "error", message: "max_tokens is too large", type: "BadRequestError", code: 400 },
      "max_tokens is too large",
    ],
    ["FastAPI's detail string", { detail: "Model not found" }, "Model not found"],
    [
      "FastAPI's detail list, as JSON",
      { detail: [{ loc: ["body", "messages"], msg: "field required" }] },
      '"msg":"field required"',
    ],
  ])("keeps %s in the HTTP error, with the key redacted", async (_, body, expected) => {
    server = await startFakeServer((req) => ({
      status: 400,
      json: { ...body, echo: String(req.headers.authorization) },
    }));
    const error = await failure(modelFor(server).generate(request()));
    expect(error).toMatchObject({ code: "CORTEX_MODEL_HTTP_ERROR", status: 400 });
    expect(error.message).toContain(expected);
    expect(error.message).not.toContain("no body");
    const keyed = await startFakeServer(() => ({ status: 400, json: { message: `bad key ${KEY}` } }));
    try {
      const echoed = await failure(modelFor(keyed).generate(request()));
      expect(echoed.message).toContain("bad key [redacted]");
      expect(inspect(echoed, { depth: 10, showHidden: true })).not.toContain(KEY);
    } finally {
      await keyed.close();
    }
  });

  it("retries a 500 when maxRetries > 0, and succeeds when the server recovers", async () => {
    const fake = await serve((index) =>
      index < 2
        ? { status: 500, json: { error: { message: "busy" } }, headers: { "retry-after-ms": "1" } }
        : { json: completion({ content: "third time" }) },
    );
    await expect(modelFor(fake, { maxRetries: 2 }).generate(request())).resolves.toEqual({
      content: "third time",
      finishReason: "stop",
    });
    expect(fake.received).toHaveLength(3);
  });

  it("turns a server that never answers into a coded timeout, fast", async () => {
    const fake = await serve("hang");
    const started = Date.now();
    const error = await failure(modelFor(fake, { timeoutMs: 200 }).generate(request()));
    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect(error).toMatchObject({ code: "CORTEX_MODEL_TIMEOUT", timeoutMs: 200 });
    // Without the limit nothing would end the request: the server never answers.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it.each([
    ["its own client", { client: false }],
    ["an injected client", { client: true }],
  ])(
    "honours a timeout past 2^31-1 ms with %s: the request waits, without a timer fired early or a warning",
    async (_, how) => {
      const fake = await serve("hang");
      const warnings: Error[] = [];
      const onWarning = (warning: Error): void => void warnings.push(warning);
      process.on("warning", onWarning);
      const options: Partial<OpenAIChatModelOptions> = { timeoutMs: 3_000_000_000 };
      if (how.client === true) {
        options.client = new OpenAI({ apiKey: KEY, baseURL: fake.baseURL });
        options.baseURL = undefined;
        options.apiKey = undefined;
      }
      const controller = new AbortController();
      const settled: string[] = [];
      const pending = failure(
        new OpenAIChatModel({
          model: "test-model",
          maxRetries: 0,
          ...(how.client === true ? {} : { baseURL: fake.baseURL, apiKey: KEY }),
          ...options,
        }).generate(request({ signal: controller.signal })),
      ).then((error) => (settled.push("settled"), error));
      try {
        // The request reaches the server (however slowly a loaded machine sends it), then gets 300 ms
        // more, far beyond the 1 ms after which Node would fire a timer of more than 2^31-1 ms.
        await expect.poll(() => fake.received.length, { timeout: 30_000 }).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(settled).toEqual([]);
        expect(fake.received).toHaveLength(1);
        controller.abort(new Error("stop"));
        const error = await pending;
        expect(error).toBeInstanceOf(ModelAbortedError);
        expect(warnings.filter((w) => w.name === "TimeoutOverflowWarning")).toEqual([]);
      } finally {
        process.off("warning", onWarning);
      }
    },
  );

  it("times an attempt out at a limit past 2^31-1 ms, not before", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      // A server that never answers, without sockets (whose own timers fake time would fire).
      const hanging = (_: unknown, init?: RequestInit): Promise<Response> =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener("abort", () =>
            reject(new DOMException("The operation was aborted", "AbortError")),
          ),
        );
      const client = new CortexOpenAI({
        apiKey: KEY,
        baseURL: "http://127.0.0.1:9/v1",
        fetch: hanging,
        maxRetries: 0,
        timeout: MAX_TIMER_MS + 1_000,
        logLevel: "off",
      });
      let outcome: unknown;
      void client.chat.completions
        .create({ model: "m", messages: [{ role: "user", content: "hi" }] })
        .catch((error: unknown) => (outcome = error));
      await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
      expect(outcome).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1_000);
      expect(outcome).toBeInstanceOf(APIConnectionTimeoutError);
    } finally {
      vi.useRealTimers();
    }
  });

  it("answers within a timeout past 2^31-1 ms like within any other", async () => {
    const fake = await serve({ json: completion({ content: "patient" }) });
    await expect(modelFor(fake, { timeoutMs: 3_000_000_000 }).generate(request())).resolves.toEqual({
      content: "patient",
      finishReason: "stop",
    });
    await expect(modelFor(fake, { timeoutMs: Infinity }).generate(request())).resolves.toEqual({
      content: "patient",
      finishReason: "stop",
    });
  });

  it.each([
    [{ "retry-after-ms": "1500" }, 1_500],
    [{ "retry-after": "3" }, 3_000],
    [{ "retry-after": "0.5" }, 500],
    [{ "retry-after-ms": "250", "retry-after": "9" }, 250],
    [{ "retry-after": "soon" }, undefined],
    [{}, undefined],
  ])("keeps how long a 429 asks to wait: %j gives retryAfterMs %s", async (headers, expected) => {
    const fake = await serve({ status: 429, json: { error: { message: "slow down" } }, headers });
    const error = await failure(modelFor(fake).generate(request()));
    expect(error).toBeInstanceOf(ModelHttpError);
    expect(error).toMatchObject({ status: 429, retryable: true });
    expect((error as ModelHttpError).retryAfterMs).toBe(expected);
  });

  it("aborts the HTTP request when the signal aborts", async () => {
    const fake = await serve("hang");
    const controller = new AbortController();
    const reason = new Error("user pressed stop");
    setTimeout(() => controller.abort(reason), 50);
    const started = Date.now();
    const error = await failure(modelFor(fake).generate(request({ signal: controller.signal })));
    expect(error).toBeInstanceOf(ModelAbortedError);
    expect(error).toMatchObject({ code: "CORTEX_MODEL_ABORTED", cause: reason });
    expect(error.message).toContain("user pressed stop");
    // Far below the model's 30 s limit, which would end the request if the abort did not.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("sends nothing when the signal is already aborted", async () => {
    const fake = await serve({ json: completion({ content: "never" }) });
    const error = await failure(modelFor(fake).generate(request({ signal: AbortSignal.abort() })));
    expect(error).toMatchObject({ code: "CORTEX_MODEL_ABORTED" });
    expect(fake.received).toHaveLength(0);
  });

  it("turns an unreachable server into a coded connection error", async () => {
    const fake = await serve({ json: {} });
    const { baseURL } = fake;
    await fake.close();
    server = undefined;
    const error = await failure(new OpenAIChatModel({ model: "m", baseURL, maxRetries: 0 }).generate(request()));
    expect(error).toBeInstanceOf(ModelConnectionError);
    expect(error.code).toBe("CORTEX_MODEL_CONNECTION_ERROR");
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("turns a dropped connection into a coded connection error", async () => {
    const fake = await serve("destroy");
    const error = await failure(modelFor(fake).generate(request()));
    expect(error.code).toBe("CORTEX_MODEL_CONNECTION_ERROR");
  });

  it.each([
    ["malformed JSON", { raw: '{"choices": [', contentType: "application/json" }],
    ["a text body", { raw: "<html>gateway</html>", contentType: "text/html" }],
    ["no choices", { json: { id: "x", choices: [] } }],
    ["a choice without a message", { json: { choices: [{ index: 0 }] } }],
    [
      "a tool call without a name",
      { json: completion({ tool_calls: [{ id: "c", type: "function", function: { arguments: "{}" } }] }) },
    ],
    ["content that is not text", { json: completion({ content: { text: "hi" } }) }],
  ] satisfies [string, Reply][])("turns %s into a coded bad-response error", async (_, reply) => {
    const fake = await serve(reply);
    const error = await failure(modelFor(fake).generate(request()));
    expect(error).toBeInstanceOf(ModelBadResponseError);
    expect(error.code).toBe("CORTEX_MODEL_BAD_RESPONSE");
  });

  it("turns a refusal into a coded error carrying the refusal", async () => {
    const fake = await serve({ json: completion({ refusal: "I can't help with that." }) });
    const error = await failure(modelFor(fake).generate(request()));
    expect(error).toBeInstanceOf(ModelRefusedError);
    expect(error).toMatchObject({ code: "CORTEX_MODEL_REFUSED", refusal: "I can't help with that." });
  });

  it("turns a content-filter stop into a coded refusal", async () => {
    const fake = await serve({ json: completion({ content: "" }, "content_filter") });
    const error = await failure(modelFor(fake).generate(request()));
    expect(error.code).toBe("CORTEX_MODEL_REFUSED");
  });

  it("never carries the API key, even when the server echoes it", async () => {
    server = await startFakeServer((req) => ({
      status: 401,
      json: { error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}` } },
      headers: { "x-echo": String(req.headers.authorization) },
    }));
    const error = await failure(modelFor(server).generate(request()));
    expect(error.code).toBe("CORTEX_MODEL_HTTP_ERROR");
    expect(error.message).toContain("[redacted]");
    const everything = [
      error.message,
      error.stack,
      inspect(error, { depth: 10, showHidden: true }),
      JSON.stringify(error),
    ].join("\n");
    expect(everything).not.toContain(KEY);
  });

  it("never carries the key in a timeout or abort", async () => {
    const fake = await serve("hang");
    const timeout = await failure(modelFor(fake, { timeoutMs: 100 }).generate(request()));
    const aborted = await failure(modelFor(fake).generate(request({ signal: AbortSignal.timeout(50) })));
    for (const error of [timeout, aborted]) expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(KEY);
  });
});

describe("OpenAIChatModel options", () => {
  it.each([
    ["no model", { model: "" }],
    ["no key and no base URL", { model: "m" }],
    ["a base URL that is not http(s)", { model: "m", baseURL: "ftp://example.com" }],
    ["a base URL that is not a URL", { model: "m", baseURL: "localhost:11434" }],
    ["a base URL with credentials", { model: "m", baseURL: "http://user:pass@localhost:11434/v1" }],
    ["a base URL with a query", { model: "m", baseURL: "http://localhost:11434/v1?key=abc" }],
    ["a negative timeout", { model: "m", apiKey: KEY, timeoutMs: -1 }],
    ["a zero timeout", { model: "m", apiKey: KEY, timeoutMs: 0 }],
    ["a timeout that is not a number", { model: "m", apiKey: KEY, timeoutMs: "5" as unknown as number }],
    ["fractional retries", { model: "m", apiKey: KEY, maxRetries: 1.5 }],
    ["a temperature that is not a number", { model: "m", apiKey: KEY, temperature: Number.NaN }],
    ["a client beside a key", { model: "m", apiKey: KEY, client: new OpenAI({ apiKey: KEY }) }],
  ] satisfies [string, OpenAIChatModelOptions][])("rejects %s with a coded config error", (_, options) => {
    let thrown: unknown;
    try {
      new OpenAIChatModel(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ModelConfigError);
    expect(thrown).toMatchObject({ code: "CORTEX_MODEL_CONFIG" });
    expect(String((thrown as Error).message)).not.toContain(KEY);
    expect(String((thrown as Error).message)).not.toContain("pass@");
  });

  it("accepts the longest timeout Node's timers allow, longer ones, and Infinity", () => {
    expect(() => new OpenAIChatModel({ model: "m", apiKey: KEY, timeoutMs: 2_147_483_647 })).not.toThrow();
    expect(() => new OpenAIChatModel({ model: "m", apiKey: KEY, timeoutMs: 2_147_483_648 })).not.toThrow();
    expect(() => new OpenAIChatModel({ model: "m", apiKey: KEY, timeoutMs: Infinity })).not.toThrow();
    expect(
      () => new OpenAIChatModel({ model: "m", timeoutMs: 3_000_000_000, client: new OpenAI({ apiKey: KEY }) }),
    ).not.toThrow();
  });

  it("logs nothing, even when OPENAI_LOG is set", async () => {
    const fake = await serve({ status: 500, json: { error: "boom" } });
    process.env.OPENAI_LOG = "debug";
    const original = {
      debug: console.debug,
      info: console.info,
      warn: console.warn,
      error: console.error,
      log: console.log,
    };
    const logged: unknown[][] = [];
    for (const name of Object.keys(original) as (keyof typeof original)[])
      console[name] = (...args: unknown[]) => void logged.push(args);
    try {
      await failure(modelFor(fake).generate(request()));
    } finally {
      Object.assign(console, original);
      delete process.env.OPENAI_LOG;
    }
    expect(logged).toEqual([]);
  });

  it("exposes a safe endpoint and reads no OPENAI_* variables", async () => {
    const fake = await serve({ json: completion({ content: "ok" }) });
    process.env.OPENAI_ORG_ID = "org-should-not-leak";
    try {
      const model = new OpenAIChatModel({ model: "m", baseURL: `${fake.baseURL}/` });
      expect(model.endpoint).toBe(fake.baseURL);
      await model.generate(request());
      expect(fake.received[0]!.headers["openai-organization"]).toBeUndefined();
    } finally {
      delete process.env.OPENAI_ORG_ID;
    }
  });
});

/* End to end: the adapter in a real engine with a real PluginRegistry. */
const silent = silentLogger;

async function engineWith(replies: Reply[], calls: unknown[] = []) {
  const fake = await startFakeServer(
    (_, index) => replies[index] ?? { status: 500, json: { error: "no more replies" } },
  );
  server = fake;
  const model = new OpenAIChatModel({ model: "test-model", baseURL: fake.baseURL, maxRetries: 0, timeoutMs: 30_000 });
  const engine = createEngine({
    model,
    plugins: notesRegistry(calls),
    logger: silent,
    agents: [{ id: "assistant", instructions: "You keep notes." }],
  });
  return { engine, server: fake };
}

describe("OpenAIChatModel in a real engine", () => {
  it("runs a tool call round trip and sends the tool result back", async () => {
    const calls: unknown[] = [];
    const { engine, server: fake } = await engineWith(
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

    const first = fake.received[0]!.body as { messages: unknown[]; tools: unknown[] };
    expect(first.messages).toEqual([
      { role: "system", content: "You keep notes." },
      { role: "user", content: "Remember milk" },
    ]);
    expect(first.tools).toEqual([
      { type: "function", function: expect.objectContaining({ name: "notes__add", parameters }) as unknown },
    ]);

    const second = fake.received[1]!.body as {
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

  it("sends arguments that are not JSON back to the model, which corrects the call", async () => {
    const calls: unknown[] = [];
    const { engine, server: fake } = await engineWith(
      [
        {
          json: completion({
            tool_calls: [{ id: "c", type: "function", function: { name: "notes__add", arguments: "{text: milk" } }],
          }),
        },
        {
          json: completion({
            tool_calls: [{ id: "d", type: "function", function: { name: "notes__add", arguments: '{"text":"milk"}' } }],
          }),
        },
        { json: completion({ content: "Noted." }) },
      ],
      calls,
    );
    const result = await engine.run("assistant", "Remember milk");
    expect(result).toMatchObject({ status: "completed", output: "Noted." });
    expect(calls).toEqual([{ plugin: "notes", action: "add", params: { text: "milk" } }]);
    const told = (
      fake.received[1]!.body as { messages: { role: string; tool_call_id?: string; content?: string }[] }
    ).messages.at(-1)!;
    expect(told).toMatchObject({ role: "tool", tool_call_id: "c" });
    expect(JSON.parse(told.content!)).toMatchObject({ ok: false, error: { code: "CORTEX_INVALID_TOOL_CALL" } });
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
