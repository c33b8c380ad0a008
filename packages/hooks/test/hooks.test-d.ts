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

  it("are read-only, like every event field", () => {
    const event = {} as HookEvent<"runStarted">;
    // @ts-expect-error events are shared by every extension of one emit
    event.orchestrationId = "x";
  });
});
