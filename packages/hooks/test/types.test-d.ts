import { describe, expectTypeOf, it } from "vitest";
import {
  type HookBus,
  hookMethodName,
  type ApprovalDecision,
  type Extension,
  type HookEvent,
  type HookEventMap,
  type HookMethodName,
  type HookName,
  type RunStartedEvent,
  type ShutdownEvent,
  type ToolCalledEvent,
} from "../src/index.js";

declare const bus: HookBus;

describe("hook names", () => {
  it("derive from HOOK_NAMES", () => {
    expectTypeOf<HookName>().toEqualTypeOf<keyof HookEventMap>();
    expectTypeOf<"runStarted">().toExtend<HookName>();
    expectTypeOf<"runStart">().not.toExtend<HookName>();
    expectTypeOf<HookMethodName<"agentHandoff">>().toEqualTypeOf<"onAgentHandoff">();
    expectTypeOf(hookMethodName("toolFailed")).toEqualTypeOf<"onToolFailed">();
  });

  it("map each hook to its event", () => {
    expectTypeOf<HookEvent<"runStarted">>().toEqualTypeOf<RunStartedEvent>();
    expectTypeOf<HookEvent<"checkpointResolved">["decision"]>().toEqualTypeOf<ApprovalDecision>();
    expectTypeOf<HookEvent<"stepCompleted">["elapsedMs"]>().toEqualTypeOf<number>();
    expectTypeOf<HookEvent<"toolCompleted">["result"]>().toEqualTypeOf<unknown>();
    expectTypeOf<ShutdownEvent>().toEqualTypeOf<{ readonly reason?: string }>();
  });
});

describe("emit", () => {
  it("accepts a known hook with its event", () => {
    bus.emit("runStarted", { agentId: "a", runId: "r", input: "hi" });
    bus.emit("checkpointResolved", { checkpointId: "c", decision: { approved: true, decidedBy: "u" } });
    bus.emit("shutdown", {});
    expectTypeOf(bus.emit("shutdown", {})).toEqualTypeOf<void>();
  });

  it("rejects an unknown hook name", () => {
    // @ts-expect-error not a hook
    bus.emit("runStart", { agentId: "a", runId: "r", input: "hi" });
    // @ts-expect-error method names are not hook names
    bus.emit("onRunStarted", { agentId: "a", runId: "r", input: "hi" });
  });

  it("rejects a wrong event shape", () => {
    // @ts-expect-error missing runId
    bus.emit("runStarted", { agentId: "a", input: "hi" });
    // @ts-expect-error stepIndex must be a number
    bus.emit("stepStarted", { runId: "r", stepIndex: "0" });
    // @ts-expect-error another hook's event
    bus.emit("toolCalled", { agentId: "a", runId: "r", input: "hi" });
    // @ts-expect-error decision must be the approval shape
    bus.emit("checkpointResolved", { checkpointId: "c", decision: true });
    // @ts-expect-error unknown field on a literal event
    bus.emit("shutdown", { force: true });
  });
});

describe("Extension", () => {
  it("accepts correctly typed methods, sync or async", () => {
    const ext = {
      name: "ok",
      onRunStarted(event: RunStartedEvent) {
        expectTypeOf(event.input).toEqualTypeOf<unknown>();
      },
      onToolCalled: async (event: ToolCalledEvent) => {
        expectTypeOf(event.toolName).toEqualTypeOf<string>();
      },
    } satisfies Extension;
    bus.register(ext);

    class Audit implements Extension {
      readonly name = "audit";
      onShutdown(_event: ShutdownEvent): void {
        /* empty */
      }
    }
    bus.register(new Audit());
  });

  it("rejects a method with the wrong event type", () => {
    const wrong = {
      name: "wrong",
      onRunStarted(_event: ToolCalledEvent) {
        /* empty */
      },
    };
    // @ts-expect-error onRunStarted receives RunStartedEvent
    bus.register(wrong);

    class WrongClass implements Extension {
      readonly name = "wrong-class";
      // @ts-expect-error stepIndex is a number, not a string
      onStepStarted(_event: { runId: string; stepIndex: string }): void {
        /* empty */
      }
    }
    void WrongClass;
  });

  it("rejects a missing name and a typo'd hook on a literal", () => {
    // @ts-expect-error name is required
    bus.register({
      onRunStarted() {
        /* empty */
      },
    });
    bus.register({
      name: "typo",
      // @ts-expect-error onRunStart is not a hook
      onRunStart() {
        /* empty */
      },
    });
  });

  it("infers the event type of inline methods", () => {
    bus.register({
      name: "inline",
      onAgentHandoff(event) {
        expectTypeOf(event).toEqualTypeOf<HookEventMap["agentHandoff"]>();
      },
    });
  });
});
