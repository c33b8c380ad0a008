import { describe, expectTypeOf, it } from "vitest";
import type { HookBus, HookEvent } from "../src/index.js";

declare const bus: HookBus;

describe("event fields that tell where an event belongs", () => {
  it("let run, step and tool events carry the orchestration of their run", () => {
    type RunHook =
      | "runStarted"
      | "runCompleted"
      | "runFailed"
      | "stepStarted"
      | "stepCompleted"
      | "toolCalled"
      | "toolCompleted"
      | "toolFailed";
    expectTypeOf<HookEvent<RunHook>["orchestrationId"]>().toEqualTypeOf<string | undefined>();
    bus.emit("stepStarted", { runId: "r", stepIndex: 0, orchestrationId: "orch_1" });
    bus.emit("stepStarted", { runId: "r", stepIndex: 0 });
    // @ts-expect-error an orchestration id is a string
    bus.emit("toolCalled", { runId: "r", toolName: "a__b", args: {}, orchestrationId: 1 });
  });

  it("let personaResolved and checkpointResolved carry the run", () => {
    expectTypeOf<HookEvent<"personaResolved">["runId"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<HookEvent<"checkpointResolved">["runId"]>().toEqualTypeOf<string | undefined>();
    bus.emit("personaResolved", { agentId: "a", personaName: "p", runId: "r" });
    bus.emit("checkpointResolved", { checkpointId: "c", decision: { approved: true }, runId: "r" });
    bus.emit("checkpointResolved", { checkpointId: "c", decision: { approved: true } });
  });

  it("let every event of a run carry its seq, and tool events the model's toolCallId", () => {
    expectTypeOf<HookEvent<"runStarted">["seq"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<HookEvent<"checkpointResolved">["seq"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<HookEvent<"modelFailed">["seq"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<HookEvent<"toolCalled" | "toolCompleted" | "toolFailed">["toolCallId"]>().toEqualTypeOf<
      string | undefined
    >();
    bus.emit("toolCompleted", { runId: "r", toolName: "a__b", toolCallId: "c1", result: {}, elapsedMs: 1, seq: 7 });
    // @ts-expect-error seq is a number
    bus.emit("stepStarted", { runId: "r", stepIndex: 0, seq: "1" });
    // @ts-expect-error shutdown belongs to no run
    bus.emit("shutdown", { seq: 1 });
  });

  it("type the model hooks", () => {
    expectTypeOf<HookEvent<"modelCompleted">["usage"]>().toEqualTypeOf<
      { readonly inputTokens: number; readonly outputTokens: number } | undefined
    >();
    bus.emit("modelCalled", { runId: "r", stepIndex: 0 });
    bus.emit("modelCompleted", { runId: "r", stepIndex: 0, elapsedMs: 3, usage: { inputTokens: 5, outputTokens: 2 } });
    bus.emit("modelFailed", { runId: "r", stepIndex: 0, error: new Error("x") });
    // @ts-expect-error elapsedMs is required
    bus.emit("modelCompleted", { runId: "r", stepIndex: 0 });
    // @ts-expect-error usage counts tokens
    bus.emit("modelCompleted", { runId: "r", stepIndex: 0, elapsedMs: 1, usage: { tokens: 3 } });
  });

  it("are read-only, like every event field", () => {
    const event = {} as HookEvent<"runStarted">;
    // @ts-expect-error events are shared by every extension of one emit
    event.orchestrationId = "x";
  });
});
