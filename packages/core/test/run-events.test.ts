import { describe, expect, it } from "vitest";
import { call, setup } from "./support.js";

describe("hook order", () => {
  it("fires every hook once per occurrence, in the documented order", async () => {
    const { engine, recorder } = setup([
      {
        toolCalls: [
          { name: "notes__add", arguments: { text: "a" } },
          { name: "notes__explode", arguments: {} },
        ],
      },
      { content: "done" },
    ]);
    const { runId } = await engine.run("assistant", "go");
    expect(recorder.hooks()).toEqual([
      "runStarted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "toolCalled",
      "toolCompleted",
      "toolCalled",
      "toolFailed",
      "stepCompleted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "stepCompleted",
      "runCompleted",
    ]);
    // Every event of the run, whatever its hook, is numbered 1, 2, 3… in the order it fired.
    expect(recorder.events.map((e) => (e.event as { seq?: number }).seq)).toEqual(
      Array.from({ length: 14 }, (_, i) => i + 1),
    );
    expect(recorder.ofHook("runStarted")).toEqual([{ agentId: "assistant", runId, input: "go", seq: 1 }]);
    expect(recorder.ofHook("stepStarted")).toEqual([
      { runId, stepIndex: 0, seq: 2 },
      { runId, stepIndex: 1, seq: 10 },
    ]);
    expect(recorder.ofHook("modelCalled")).toEqual([
      { runId, stepIndex: 0, seq: 3 },
      { runId, stepIndex: 1, seq: 11 },
    ]);
    expect(recorder.ofHook("modelCompleted")[0]).toMatchObject({ runId, stepIndex: 0, seq: 4 });
    expect(recorder.ofHook("modelCompleted")[0]!.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(recorder.ofHook("stepCompleted").map((e) => e.stepIndex)).toEqual([0, 1]);
    const [first, second] = recorder.ofHook("toolCalled");
    expect(first).toEqual({
      runId,
      toolName: "notes__add",
      toolCallId: first!.toolCallId,
      args: { text: "a" },
      seq: 5,
    });
    expect(first!.toolCallId).toMatch(/^call_/);
    expect(second!.toolCallId).not.toBe(first!.toolCallId);
    const completed = recorder.ofHook("toolCompleted")[0]!;
    expect(completed).toMatchObject({
      runId,
      toolName: "notes__add",
      toolCallId: first!.toolCallId,
      result: { success: true, data: { count: 1 } },
    });
    expect(completed.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(recorder.ofHook("toolFailed")[0]).toMatchObject({
      runId,
      toolName: "notes__explode",
      toolCallId: second!.toolCallId,
      error: { code: "CORTEX_PLUGIN_ERROR" },
    });
    expect(recorder.ofHook("runCompleted")[0]).toMatchObject({ agentId: "assistant", runId, output: "done" });
  });

  it("ends a failed run with runFailed, never runCompleted, after modelFailed when the model failed", async () => {
    const { engine, recorder } = setup([
      () => {
        throw new Error("provider down");
      },
    ]);
    const { runId } = await engine.run("assistant", "go");
    expect(recorder.hooks()).toEqual(["runStarted", "stepStarted", "modelCalled", "modelFailed", "runFailed"]);
    expect(recorder.ofHook("modelFailed")).toEqual([
      {
        runId,
        stepIndex: 0,
        seq: 4,
        error: { code: "CORTEX_MODEL_ERROR", message: "The model failed: provider down" },
      },
    ]);
  });

  it("orders a checkpoint's hooks around the pause and the resume", async () => {
    const { engine, recorder } = setup([call("notes__publish", { text: "hi" }), { content: "published" }]);
    const paused = await engine.run("assistant", "go");
    expect(recorder.hooks()).toEqual([
      "runStarted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "toolCalled",
      "checkpointCreated",
    ]);
    await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true, decidedBy: "ana" });
    expect(recorder.hooks().slice(6)).toEqual([
      "checkpointResolved",
      "toolCompleted",
      "stepCompleted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "stepCompleted",
      "runCompleted",
    ]);
    // Numbering goes on across the pause, without a gap.
    expect(recorder.events.map((e) => (e.event as { seq?: number }).seq)).toEqual(
      Array.from({ length: 14 }, (_, i) => i + 1),
    );
  });
});

describe("which orchestration an event belongs to", () => {
  const RUN_HOOKS = [
    "runStarted",
    "runCompleted",
    "runFailed",
    "stepStarted",
    "stepCompleted",
    "toolCalled",
    "toolCompleted",
    "toolFailed",
  ] as const;

  it("tags every run, step and tool event of a run inside an orchestration with its orchestrationId", async () => {
    const { engine, recorder } = setup(
      [
        {
          toolCalls: [
            { name: "notes__add", arguments: { text: "a" } },
            { name: "notes__explode", arguments: {} },
          ],
        },
        { content: "done" },
      ],
      { perRun: true },
    );
    engine.defineAgent({ id: "second", tools: ["notes.*"] });
    const { orchestrationId } = await engine.orchestrate(
      { strategy: "sequential", agents: ["assistant", "second"] },
      "go",
    );
    const tagged = recorder.events.filter((e) => (RUN_HOOKS as readonly string[]).includes(e.hook));
    expect(new Set(tagged.map((e) => e.hook))).toEqual(new Set(RUN_HOOKS.filter((h) => h !== "runFailed")));
    for (const { event } of tagged) expect(event).toMatchObject({ orchestrationId });
  });

  it("tags nothing of a run outside one", async () => {
    const { engine, recorder } = setup([call("notes__add", { text: "a" }), { content: "done" }]);
    await engine.run("assistant", "go");
    for (const { event } of recorder.events) expect(event).not.toHaveProperty("orchestrationId");
  });

  it("gives personaResolved and checkpointResolved the runId", async () => {
    const { engine, recorder } = setup([call("notes__publish", { text: "a" }), { content: "done" }], {
      personas: [{ name: "ada" }],
      agent: { persona: "ada" },
    });
    const paused = await engine.run("assistant", "go");
    await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: false });
    expect(recorder.ofHook("personaResolved")[0]).toMatchObject({ runId: paused.runId });
    expect(recorder.ofHook("checkpointResolved")[0]).toMatchObject({ runId: paused.runId });
  });
});
