import { CortexError, isCortexError } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { ScriptedModel, ScriptExhaustedError, type ScriptedRequest } from "../src/index.js";

const request = (over: Partial<ScriptedRequest> = {}): ScriptedRequest => ({
  messages: [{ role: "user", content: "hi" }],
  tools: [{ name: "notes__list", description: "List notes", parameters: { type: "object" } }],
  signal: new AbortController().signal,
  agentId: "agent",
  runId: "run",
  ...over,
});

describe("ScriptedModel", () => {
  it("replays text and tool-call responses in order", async () => {
    const model = new ScriptedModel([
      { toolCalls: [{ id: "c1", name: "notes__list", arguments: {} }] },
      { content: "done" },
    ]);
    await expect(model.generate(request())).resolves.toEqual({
      toolCalls: [{ id: "c1", name: "notes__list", arguments: {} }],
    });
    await expect(model.generate(request())).resolves.toEqual({ content: "done" });
    expect(model.used).toBe(2);
    expect(model.remaining).toBe(0);
  });

  it("records every request, copying messages so later changes do not rewrite history", async () => {
    const model = new ScriptedModel([{ content: "a" }, { content: "b" }]);
    const messages: ScriptedRequest["messages"][number][] = [{ role: "user", content: "hi" }];
    await model.generate(request({ messages, runId: "r1", agentId: "a" }));
    messages.push({ role: "assistant", content: "a" });
    await model.generate(request({ messages }));
    expect(model.requests).toHaveLength(2);
    expect(model.requests[0]?.messages).toEqual([{ role: "user", content: "hi" }]);
    expect(model.requests[0]).toMatchObject({ runId: "r1", agentId: "a" });
    expect(model.requests[1]?.messages).toHaveLength(2);
    expect(model.requests[0]?.tools.map((t) => t.name)).toEqual(["notes__list"]);
  });

  it("answers with copies: mutating an answer does not change the script", async () => {
    const model = new ScriptedModel([{ content: "x" }], { perRun: true });
    const first = await model.generate(request({ runId: "a" }));
    first.content = "changed";
    await expect(model.generate(request({ runId: "b" }))).resolves.toEqual({ content: "x" });
  });

  it("throws CORTEX_SCRIPT_EXHAUSTED with a clear message when the script runs out", async () => {
    const model = new ScriptedModel([{ content: "only" }]);
    await model.generate(request());
    const error = await model.generate(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScriptExhaustedError);
    expect(error).toMatchObject({ code: "CORTEX_SCRIPT_EXHAUSTED", name: "ScriptExhaustedError", steps: 1 });
    expect((error as Error).message).toMatch(/asked for response 2, but its script has only 1/);
    expect(isCortexError(error)).toBe(true);
    expect(error).toBeInstanceOf(CortexError);
    expect(model.requests).toHaveLength(2);
    expect(model.remaining).toBe(0);
  });

  it("an empty script is exhausted at once", async () => {
    await expect(new ScriptedModel([]).generate(request())).rejects.toThrow(/script has only 0/);
  });

  it("function steps compute the answer from the request, may be async, and may throw", async () => {
    const model = new ScriptedModel([
      (req) => ({ content: `echo: ${String(req.messages.at(-1)?.content)}` }),
      async (req) => ({ content: `${req.tools.length} tools` }),
      () => {
        throw new Error("model down");
      },
    ]);
    await expect(model.generate(request())).resolves.toEqual({ content: "echo: hi" });
    await expect(model.generate(request())).resolves.toEqual({ content: "1 tools" });
    await expect(model.generate(request())).rejects.toThrow("model down");
  });

  it("a function step can wait on the request's signal, to test aborts", async () => {
    const model = new ScriptedModel([
      (req) =>
        new Promise((_, reject) => {
          req.signal.addEventListener("abort", () => reject(new Error("aborted")));
        }),
    ]);
    const controller = new AbortController();
    const answer = model.generate(request({ signal: controller.signal }));
    controller.abort();
    await expect(answer).rejects.toThrow("aborted");
  });

  it("perRun replays the script from the start for each run id, independently", async () => {
    const model = new ScriptedModel([{ content: "one" }, { content: "two" }], { perRun: true });
    await expect(model.generate(request({ runId: "a" }))).resolves.toEqual({ content: "one" });
    await expect(model.generate(request({ runId: "b" }))).resolves.toEqual({ content: "one" });
    await expect(model.generate(request({ runId: "a" }))).resolves.toEqual({ content: "two" });
    await expect(model.generate(request({ runId: "b" }))).resolves.toEqual({ content: "two" });
    expect(model.used).toBe(4);
    const error = await model.generate(request({ runId: "a" })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_SCRIPT_EXHAUSTED", runId: "a" });
    expect((error as Error).message).toContain('of run "a"');
    await expect(model.generate(request({ runId: "c" }))).resolves.toEqual({ content: "one" });
  });

  it("copies the steps it was given", async () => {
    const steps = [{ content: "a" }];
    const model = new ScriptedModel(steps);
    steps.push({ content: "b" });
    await model.generate(request());
    await expect(model.generate(request())).rejects.toBeInstanceOf(ScriptExhaustedError);
  });
});

describe("ScriptedModel streaming", () => {
  const collect = async (parts: AsyncIterable<unknown>): Promise<unknown[]> => {
    const seen: unknown[] = [];
    for await (const part of parts) seen.push(part);
    return seen;
  };
  const usage = { inputTokens: 12, outputTokens: 3 };

  it("streams a streamed step part by part, and generate joins the same parts", async () => {
    const step = {
      stream: [
        { type: "text-delta" as const, text: "Hel" },
        { type: "text-delta" as const, text: "lo" },
        { type: "tool-call" as const, id: "c1", name: "notes__list", arguments: "{}" },
        { type: "finish" as const, usage, finishReason: "tool-calls" as const },
      ],
    };
    const model = new ScriptedModel([step, step]);
    expect(await collect(model.stream!(request()))).toEqual(step.stream);
    await expect(model.generate(request())).resolves.toEqual({
      content: "Hello",
      toolCalls: [{ id: "c1", name: "notes__list", arguments: "{}" }],
      usage,
      finishReason: "tool-calls",
    });
    expect(model.requests).toHaveLength(2);
  });

  it("streams a whole answer as its text, its tool calls and a finish with its usage", async () => {
    const model = new ScriptedModel([
      { content: "done", toolCalls: [{ name: "notes__list", arguments: {} }], usage, finishReason: "stop" },
      { content: "" },
    ]);
    expect(await collect(model.stream!(request()))).toEqual([
      { type: "text-delta", text: "done" },
      { type: "tool-call", name: "notes__list", arguments: {} },
      { type: "finish", usage, finishReason: "stop" },
    ]);
    expect(await collect(model.stream!(request()))).toEqual([{ type: "finish" }]);
  });

  it("waits partDelayMs between parts, and a request's signal ends the wait with CORTEX_MODEL_ABORTED", async () => {
    const model = new ScriptedModel([
      {
        stream: [{ type: "text-delta", text: "a" }, { type: "text-delta", text: "b" }, { type: "finish" }],
        partDelayMs: 30,
      },
    ]);
    const controller = new AbortController();
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const part of model.stream!(request({ signal: controller.signal }))) {
        seen.push(part);
        controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ code: "CORTEX_MODEL_ABORTED" });
    expect(seen).toEqual([{ type: "text-delta", text: "a" }]);
  });

  it("takes the script's steps in one order whichever method asks, and runs out the same way", async () => {
    const model = new ScriptedModel([{ content: "one" }, { stream: [{ type: "text-delta", text: "two" }] }]);
    await expect(model.generate(request())).resolves.toEqual({ content: "one" });
    expect(await collect(model.stream!(request()))).toEqual([{ type: "text-delta", text: "two" }]);
    await expect(collect(model.stream!(request()))).rejects.toBeInstanceOf(ScriptExhaustedError);
  });

  it("function steps may return a streamed answer", async () => {
    const model = new ScriptedModel([(req) => ({ stream: [{ type: "text-delta", text: req.runId }] })]);
    expect(await collect(model.stream!(request({ runId: "r9" })))).toEqual([{ type: "text-delta", text: "r9" }]);
  });

  it("has no stream with streaming: false, so an engine falls back to generate", async () => {
    const model = new ScriptedModel([{ stream: [{ type: "text-delta", text: "x" }] }], { streaming: false });
    expect(model.stream).toBeUndefined();
    await expect(model.generate(request())).resolves.toEqual({ content: "x" });
  });
});
