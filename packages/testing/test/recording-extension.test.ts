import { HOOK_METHOD_NAMES, HOOK_NAMES, HookBus, silentLogger, type HookEventMap, type HookName } from "@cortex/hooks";
import { describe, expect, it } from "vitest";
import { RecordingExtension } from "../src/index.js";

// One sample event per hook, in HOOK_NAMES order.
const samples: { [H in HookName]: HookEventMap[H] } = {
  runStarted: { agentId: "a", runId: "r1", input: "hi" },
  runCompleted: { agentId: "a", runId: "r1", output: "bye", elapsedMs: 5 },
  runFailed: { agentId: "a", runId: "r2", error: new Error("x") },
  stepStarted: { runId: "r1", stepIndex: 0 },
  stepCompleted: { runId: "r1", stepIndex: 0, elapsedMs: 1 },
  toolCalled: { runId: "r1", toolName: "notes__list", args: {} },
  toolCompleted: { runId: "r1", toolName: "notes__list", result: [], elapsedMs: 1 },
  toolFailed: { runId: "r2", toolName: "notes__add", error: "no" },
  personaResolved: { agentId: "a", personaName: "helper" },
  behaviorTriggered: { runId: "r1", behaviorName: "greet" },
  cognitivePhaseChanged: { runId: "r1", from: "plan", to: "act" },
  checkpointCreated: { checkpointId: "c1", runId: "r1", reason: "CONFIRM" },
  checkpointResolved: { checkpointId: "c1", decision: { approved: true } },
  orchestrationStarted: { orchestrationId: "o1", strategy: "sequential" },
  orchestrationCompleted: { orchestrationId: "o1", elapsedMs: 9 },
  agentHandoff: { orchestrationId: "o1", from: "a", to: "b", payload: null },
  shutdown: {},
  modelCalled: { runId: "r1", stepIndex: 0 },
  modelCompleted: { runId: "r1", stepIndex: 0, elapsedMs: 2, usage: { inputTokens: 3, outputTokens: 1 } },
  modelFailed: { runId: "r2", stepIndex: 0, error: "down" },
};

const emitAll = (bus: HookBus): void => {
  for (const hook of HOOK_NAMES) bus.emit(hook, samples[hook]);
};

describe("RecordingExtension", () => {
  it("implements all 20 hooks, and a real HookBus accepts it", () => {
    const recording = new RecordingExtension();
    expect(HOOK_NAMES).toHaveLength(20);
    for (const hook of HOOK_NAMES) {
      expect(typeof (recording as unknown as Record<string, unknown>)[HOOK_METHOD_NAMES[hook]]).toBe("function");
    }
    expect(() => new HookBus({ logger: silentLogger }).register(recording)).not.toThrow();
  });

  it("records every event of every hook through a HookBus, in the order delivered", () => {
    const bus = new HookBus({ logger: silentLogger });
    const recording = new RecordingExtension();
    bus.register(recording);
    emitAll(bus);
    bus.emit("stepStarted", { runId: "r1", stepIndex: 1 });
    expect(recording.events.map((e) => e.hook)).toEqual([...HOOK_NAMES, "stepStarted"]);
    for (const [i, hook] of HOOK_NAMES.entries()) expect(recording.events[i]).toEqual({ hook, event: samples[hook] });
  });

  it("ofHook returns one hook's events, in order", () => {
    const bus = new HookBus({ logger: silentLogger });
    const recording = new RecordingExtension();
    bus.register(recording);
    emitAll(bus);
    bus.emit("stepStarted", { runId: "r1", stepIndex: 1 });
    expect(recording.ofHook("stepStarted").map((e) => e.stepIndex)).toEqual([0, 1]);
    expect(recording.ofHook("agentHandoff")).toEqual([samples.agentHandoff]);
    expect(recording.ofHook("shutdown")).toHaveLength(1);
  });

  it("hooks() lists hook names in order, optionally only those of one run", () => {
    const bus = new HookBus({ logger: silentLogger });
    const recording = new RecordingExtension();
    bus.register(recording);
    emitAll(bus);
    expect(recording.hooks()).toEqual(HOOK_NAMES);
    expect(recording.hooks({ runId: "r2" })).toEqual(["runFailed", "toolFailed", "modelFailed"]);
    expect(recording.hooks({ runId: "r1" })).toEqual([
      "runStarted",
      "runCompleted",
      "stepStarted",
      "stepCompleted",
      "toolCalled",
      "toolCompleted",
      "behaviorTriggered",
      "cognitivePhaseChanged",
      "checkpointCreated",
      "modelCalled",
      "modelCompleted",
    ]);
    expect(recording.hooks({ runId: "none" })).toEqual([]);
  });

  it("seqs(runId) lists one run's event numbers in arrival order, so a gap shows", () => {
    const bus = new HookBus({ logger: silentLogger });
    const recording = new RecordingExtension();
    bus.register(recording);
    bus.emit("runStarted", { agentId: "a", runId: "r1", input: "x", seq: 1 });
    bus.emit("stepStarted", { runId: "r2", stepIndex: 0, seq: 1 });
    bus.emit("stepStarted", { runId: "r1", stepIndex: 0, seq: 2 });
    bus.emit("modelCalled", { runId: "r1", stepIndex: 0, seq: 4 });
    bus.emit("shutdown", {});
    expect(recording.seqs("r1")).toEqual([1, 2, 4]);
    expect(recording.seqs("r2")).toEqual([1]);
    expect(recording.seqs("none")).toEqual([]);
  });

  it("count and clear", () => {
    const bus = new HookBus({ logger: silentLogger });
    const recording = new RecordingExtension();
    bus.register(recording);
    emitAll(bus);
    emitAll(bus);
    expect(recording.count("toolCalled")).toBe(2);
    expect(recording.count("shutdown")).toBe(2);
    recording.clear();
    expect(recording.events).toEqual([]);
    expect(recording.count("toolCalled")).toBe(0);
    bus.emit("shutdown", {});
    expect(recording.hooks()).toEqual(["shutdown"]);
  });

  it("has a name (default 'recording'), so two can be registered side by side", () => {
    const bus = new HookBus({ logger: silentLogger });
    const a = new RecordingExtension();
    const b = new RecordingExtension("second");
    expect(a.name).toBe("recording");
    bus.register(a);
    bus.register(b);
    bus.emit("shutdown", {});
    expect([a.count("shutdown"), b.count("shutdown")]).toEqual([1, 1]);
  });

  it("records events whatever they hold, without copying or changing them", () => {
    const bus = new HookBus({ logger: silentLogger });
    const recording = new RecordingExtension();
    bus.register(recording);
    const event = { runId: "r", toolName: "t", args: { nested: [1] } };
    bus.emit("toolCalled", event);
    expect(recording.ofHook("toolCalled")[0]).toBe(event);
  });
});

describe("RecordingExtension called directly", () => {
  it("records through its typed hook methods", () => {
    const recorder = new RecordingExtension();
    recorder.onRunStarted({ agentId: "a", runId: "r", input: "x" });
    recorder.onShutdown({});
    expect(recorder.hooks()).toEqual(["runStarted", "shutdown"]);
  });
});
