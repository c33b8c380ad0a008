import { describe, expect, it } from "vitest";
import { call, setup } from "./support.js";

describe("model faults fail the run with a code, never an unhandled rejection", () => {
  it.each([
    ["a model that throws", [() => Promise.reject(new Error("503 from provider"))], "CORTEX_MODEL_ERROR"],
    ["an unknown tool", [call("calendar__nuke", {})], "CORTEX_UNKNOWN_TOOL"],
    ["arguments that are not JSON", [call("notes__add", "{not json")], "CORTEX_INVALID_TOOL_CALL"],
    ["arguments that are an array", [call("notes__add", [1, 2])], "CORTEX_INVALID_TOOL_CALL"],
    ["arguments JSON cannot hold", [call("notes__add", { text: "a", count: 10n })], "CORTEX_INVALID_TOOL_CALL"],
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
        "toolCalled",
        "toolCompleted",
        "stepCompleted",
        "stepStarted",
        "stepCompleted",
        "runCompleted",
      ]);
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
