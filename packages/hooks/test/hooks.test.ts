import { describe, expect, it } from "vitest";
import { HOOK_METHOD_NAMES, HOOK_NAMES, hookMethodName } from "../src/index.js";
import { hookForMethod, isHookName } from "../src/hooks.js";

const TABLE = [
  ["runStarted", "onRunStarted"],
  ["runCompleted", "onRunCompleted"],
  ["runFailed", "onRunFailed"],
  ["stepStarted", "onStepStarted"],
  ["stepCompleted", "onStepCompleted"],
  ["toolCalled", "onToolCalled"],
  ["toolCompleted", "onToolCompleted"],
  ["toolFailed", "onToolFailed"],
  ["personaResolved", "onPersonaResolved"],
  ["behaviorTriggered", "onBehaviorTriggered"],
  ["cognitivePhaseChanged", "onCognitivePhaseChanged"],
  ["checkpointCreated", "onCheckpointCreated"],
  ["checkpointResolved", "onCheckpointResolved"],
  ["orchestrationStarted", "onOrchestrationStarted"],
  ["orchestrationCompleted", "onOrchestrationCompleted"],
  ["agentHandoff", "onAgentHandoff"],
  ["shutdown", "onShutdown"],
  ["modelCalled", "onModelCalled"],
  ["modelCompleted", "onModelCompleted"],
  ["modelFailed", "onModelFailed"],
] as const;

describe("HOOK_NAMES", () => {
  it("lists the 17 hooks of the architecture table in its order, then the 3 model hooks", () => {
    expect(HOOK_NAMES).toEqual(TABLE.map(([hook]) => hook));
    expect(HOOK_NAMES).toHaveLength(20);
  });

  it("maps every hook to its method name and back", () => {
    for (const [hook, method] of TABLE) {
      expect(HOOK_METHOD_NAMES[hook]).toBe(method);
      expect(hookMethodName(hook)).toBe(method);
      expect(hookForMethod(method)).toBe(hook);
    }
    expect(Object.isFrozen(HOOK_METHOD_NAMES)).toBe(true);
  });

  it("recognises only known hook names", () => {
    expect(isHookName("runStarted")).toBe(true);
    expect(isHookName("runStart")).toBe(false);
    expect(isHookName("onRunStarted")).toBe(false);
    expect(isHookName(42)).toBe(false);
    expect(hookForMethod("onRunStart")).toBeUndefined();
    expect(hookForMethod("toString")).toBeUndefined();
  });
});
