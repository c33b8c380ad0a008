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
      "toolCalled",
      "toolCompleted",
      "toolCalled",
      "toolFailed",
      "stepCompleted",
      "stepStarted",
      "stepCompleted",
      "runCompleted",
    ]);
    expect(recorder.ofHook("runStarted")).toEqual([{ agentId: "assistant", runId, input: "go" }]);
    expect(recorder.ofHook("stepStarted")).toEqual([
      { runId, stepIndex: 0 },
      { runId, stepIndex: 1 },
    ]);
    expect(recorder.ofHook("stepCompleted").map((e) => e.stepIndex)).toEqual([0, 1]);
    expect(recorder.ofHook("toolCalled")[0]).toEqual({ runId, toolName: "notes__add", args: { text: "a" } });
    const completed = recorder.ofHook("toolCompleted")[0]!;
    expect(completed).toMatchObject({ runId, toolName: "notes__add", result: { success: true, data: { count: 1 } } });
    expect(completed.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(recorder.ofHook("toolFailed")[0]).toMatchObject({
      runId,
      toolName: "notes__explode",
      error: { code: "CORTEX_PLUGIN_ERROR" },
    });
    expect(recorder.ofHook("runCompleted")[0]).toMatchObject({ agentId: "assistant", runId, output: "done" });
  });

  it("ends a failed run with runFailed, never runCompleted", async () => {
    const { engine, recorder } = setup([call("nope__x", {})]);
    await engine.run("assistant", "go");
    expect(recorder.hooks()).toEqual(["runStarted", "stepStarted", "runFailed"]);
  });

  it("orders a checkpoint's hooks around the pause and the resume", async () => {
    const { engine, recorder } = setup([call("notes__publish", { text: "hi" }), { content: "published" }]);
    const paused = await engine.run("assistant", "go");
    expect(recorder.hooks()).toEqual(["runStarted", "stepStarted", "toolCalled", "checkpointCreated"]);
    await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true, decidedBy: "ana" });
    expect(recorder.hooks().slice(4)).toEqual([
      "checkpointResolved",
      "toolCompleted",
      "stepCompleted",
      "stepStarted",
      "stepCompleted",
      "runCompleted",
    ]);
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
