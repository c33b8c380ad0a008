import { describe, expect, it } from "vitest";
import { call, setup } from "./support.js";

describe("model faults fail the run with a code, never an unhandled rejection", () => {
  it.each([
    ["a model that throws", [() => Promise.reject(new Error("503 from provider"))], "CORTEX_MODEL_ERROR"],
    ["a tool call without a name", [{ toolCalls: [{ arguments: {} }] }], "CORTEX_INVALID_TOOL_CALL"],
    ["a response that is not an object", [() => null], "CORTEX_MODEL_ERROR"],
    ["content that is not a string", [{ content: 42 }], "CORTEX_MODEL_ERROR"],
    ["a script that runs out", [], "CORTEX_MODEL_ERROR"],
  ])("%s", async (_, steps, code) => {
    const { engine, plugin, recorder } = setup(steps as never);
    const result = await engine.run("assistant", "x");
    expect(result).toMatchObject({ status: "failed", error: { code } });
    expect(plugin.calls).toEqual([]);
    expect(recorder.ofHook("runFailed")).toHaveLength(1);
    expect(recorder.count("runCompleted")).toBe(0);
  });

  it("a model that hangs past its timeout, even ignoring its signal", async () => {
    let signal: AbortSignal | undefined;
    const { engine } = setup(
      [
        (request) => {
          signal = request.signal;
          return new Promise<never>(() => undefined);
        },
      ],
      { modelTimeoutMs: 50 },
    );
    const result = await engine.run("assistant", "x");
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_MODEL_TIMEOUT" } });
    expect(signal?.aborted).toBe(true);
  });
});

describe("model mistakes are told to the model, not fatal", () => {
  it.each([
    [
      "an unknown tool",
      call("calendar__nuke", {}, "c1"),
      "CORTEX_UNKNOWN_TOOL",
      /There is no tool "calendar__nuke". The tools you can call: notes__add, notes__list/,
    ],
    [
      "arguments that are not JSON",
      call("notes__add", "{not json", "c1"),
      "CORTEX_INVALID_TOOL_CALL",
      /are not JSON; send one JSON object/,
    ],
    [
      "arguments that are an array",
      call("notes__add", [1, 2], "c1"),
      "CORTEX_INVALID_TOOL_CALL",
      /are not a JSON object/,
    ],
    [
      "arguments JSON cannot hold",
      call("notes__add", { text: "a", count: 10n }, "c1"),
      "CORTEX_INVALID_TOOL_CALL",
      /cannot be held by JSON/,
    ],
  ])("%s goes back as a tool error, and the run goes on", async (_, mistake, code, message) => {
    const { engine, plugin, recorder, model } = setup([
      mistake,
      call("notes__add", { text: "ok" }),
      { content: "done" },
    ]);
    const result = await engine.run("assistant", "x");
    expect(result).toMatchObject({ status: "completed", output: "done" });
    expect(plugin.calls).toEqual([{ action: "add", params: { text: "ok" } }]);
    const told = model.requests[1]!.messages.at(-1) as { role: string; toolCallId: string; content: string };
    expect(told).toMatchObject({ role: "tool", toolCallId: "c1" });
    const body = JSON.parse(told.content) as { ok: boolean; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
    expect(recorder.ofHook("toolFailed")[0]).toMatchObject({ toolCallId: "c1", error: { code } });
    // The assistant message echoes the call as the model made it.
    expect(model.requests[1]!.messages.at(-2)).toMatchObject({ role: "assistant", toolCalls: [{ id: "c1" }] });
  });

  it("fails the run with the mistake's code past maxToolRepairs", async () => {
    const mistakes = Array.from({ length: 3 }, (_, i) => call("nope__x", {}, `c${i}`));
    const { engine, plugin, recorder, model } = setup([...mistakes, { content: "never" }], { maxToolRepairs: 2 });
    const result = await engine.run("assistant", "x");
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_UNKNOWN_TOOL" } });
    expect(result.error!.message).toMatch(/made 3 wrong tool calls in this run, more than maxToolRepairs \(2\)/);
    expect(model.requests).toHaveLength(3);
    expect(plugin.calls).toEqual([]);
    expect(recorder.count("toolFailed")).toBe(2);
  });

  it("offers no ADMIN tool to a run whose principal may not call it, and still refuses a call to it", async () => {
    const { engine, model, plugin } = setup([call("notes__purge", {}), { content: "ok" }, { content: "ok" }]);
    expect(await engine.run("assistant", "x", { principal: { id: "u", roles: [] } })).toMatchObject({
      status: "completed",
    });
    expect(model.requests[0]!.tools.map((t) => t.name)).not.toContain("notes__purge");
    const told = JSON.parse(model.requests[1]!.messages.at(-1)!.content!) as { error: { code: string } };
    expect(told.error.code).toBe("CORTEX_FORBIDDEN");
    expect(plugin.calls).toEqual([]);
    await engine.run("assistant", "x", { principal: { id: "root", roles: ["admin"] } });
    expect(model.requests[2]!.tools.map((t) => t.name)).toContain("notes__purge");
  });
});

describe("concurrency", () => {
  it("completes 1,000 concurrent runs with correct per-run events and no cross-talk", async () => {
    const { engine, recorder, model } = setup(
      [(request) => ({ toolCalls: [{ name: "notes__add", arguments: { text: request.runId } }] }), { content: "done" }],
      { perRun: true },
    );
    const results = await Promise.all(Array.from({ length: 1_000 }, (_, i) => engine.run("assistant", `input ${i}`)));
    expect(new Set(results.map((r) => r.runId)).size).toBe(1_000);
    for (const result of results) {
      expect(result).toMatchObject({ status: "completed", output: "done" });
      expect(recorder.hooks({ runId: result.runId })).toEqual([
        "runStarted",
        "stepStarted",
        "modelCalled",
        "modelCompleted",
        "toolCalled",
        "toolCompleted",
        "stepCompleted",
        "stepStarted",
        "modelCalled",
        "modelCompleted",
        "stepCompleted",
        "runCompleted",
      ]);
      const seqs = recorder.events
        .filter((e) => (e.event as { runId?: string }).runId === result.runId)
        .map((e) => (e.event as { seq?: number }).seq);
      expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      const called = recorder.ofHook("toolCalled").find((e) => e.runId === result.runId)!;
      expect(called.args).toEqual({ text: result.runId });
    }
    for (const request of model.requests.filter((r) => r.messages.length > 2)) {
      const user = request.messages.find((m) => m.role === "user")!;
      const toolResult = request.messages.find((m) => m.role === "assistant") as {
        toolCalls: { arguments: { text: string } }[];
      };
      expect(toolResult.toolCalls[0]!.arguments.text).toBe(request.runId);
      expect(user.content).toMatch(/^input \d+$/);
    }
  });
});
