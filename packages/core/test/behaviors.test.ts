import { describe, expect, it } from "vitest";
import type { BehaviorDefinition, PersonaDefinition } from "../src/index.js";
import { call, setup } from "./support.js";

function withBehaviors(behaviors: BehaviorDefinition[], extra: Partial<PersonaDefinition> = {}) {
  return { personas: [{ name: "p", ...extra, behaviors }], agent: { persona: "p" } };
}

const systemOf = (request: { messages: readonly { role: string; content?: string }[] }) =>
  request.messages.find((m) => m.role === "system")?.content ?? "";

describe("behavior triggers", () => {
  it("on input matching a pattern (string, case-insensitive, or RegExp)", async () => {
    const behaviors: BehaviorDefinition[] = [
      {
        name: "urgent",
        trigger: { on: "input", pattern: "URGENT" },
        action: { type: "injectPrompt", text: "Answer first, explain later." },
      },
      {
        name: "numbers",
        trigger: { on: "input", pattern: /\d{3}/ },
        action: { type: "injectPrompt", text: "Mind the numbers." },
      },
    ];
    const { engine, model, recorder } = setup([{ content: "a" }, { content: "b" }], withBehaviors(behaviors));
    const first = await engine.run("assistant", "this is urgent");
    expect(recorder.ofHook("behaviorTriggered")).toEqual([{ runId: first.runId, behaviorName: "urgent", seq: 3 }]);
    expect(systemOf(model.requests[0]!)).toContain("Answer first, explain later.");
    expect(systemOf(model.requests[0]!)).not.toContain("Mind the numbers.");
    recorder.clear();
    await engine.run("assistant", "call 555 now");
    expect(recorder.ofHook("behaviorTriggered").map((e) => e.behaviorName)).toEqual(["numbers"]);
  });

  it("on a tool result, only for matching tools", async () => {
    const behaviors: BehaviorDefinition[] = [
      {
        name: "after-add",
        trigger: { on: "toolResult", tool: "notes.add" },
        action: { type: "injectPrompt", text: "A note was added." },
      },
      {
        name: "after-list",
        trigger: { on: "toolResult", tool: "notes.list" },
        action: { type: "injectPrompt", text: "never" },
      },
    ];
    const { engine, model, recorder } = setup(
      [call("notes__add", { text: "x" }), { content: "done" }],
      withBehaviors(behaviors),
    );
    await engine.run("assistant", "x");
    expect(recorder.ofHook("behaviorTriggered").map((e) => e.behaviorName)).toEqual(["after-add"]);
    expect(recorder.hooks().indexOf("behaviorTriggered")).toBeGreaterThan(recorder.hooks().indexOf("toolCompleted"));
    expect(systemOf(model.requests[1]!)).toContain("A note was added.");
  });

  it("on a tool error, optionally by code", async () => {
    const behaviors: BehaviorDefinition[] = [
      {
        name: "on-plugin-error",
        trigger: { on: "toolError", code: "CORTEX_PLUGIN_ERROR" },
        action: { type: "injectPrompt", text: "Apologize." },
      },
      {
        name: "on-validation",
        trigger: { on: "toolError", code: "CORTEX_VALIDATION_FAILED" },
        action: { type: "injectPrompt", text: "never" },
      },
    ];
    const { engine, recorder } = setup([call("notes__explode", {}), { content: "sorry" }], withBehaviors(behaviors));
    await engine.run("assistant", "x");
    expect(recorder.ofHook("behaviorTriggered").map((e) => e.behaviorName)).toEqual(["on-plugin-error"]);
  });

  it("at a step count, and always (once per step)", async () => {
    const behaviors: BehaviorDefinition[] = [
      { name: "second-step", trigger: { on: "step", step: 1 }, action: { type: "injectPrompt", text: "Wrap up now." } },
      { name: "every-step", trigger: { on: "always" }, action: { type: "injectPrompt", text: "Be brief." } },
    ];
    const { engine, model, recorder } = setup(
      [call("notes__list", {}), call("notes__list", {}), { content: "done" }],
      withBehaviors(behaviors),
    );
    await engine.run("assistant", "x");
    expect(recorder.ofHook("behaviorTriggered").map((e) => e.behaviorName)).toEqual([
      "every-step",
      "second-step",
      "every-step",
      "every-step",
    ]);
    expect(systemOf(model.requests[0]!)).not.toContain("Wrap up now.");
    expect(systemOf(model.requests[1]!)).toContain("Wrap up now.");
    expect(systemOf(model.requests[2]!).match(/Be brief\./g)).toHaveLength(1);
  });

  it("fires in priority order and at most once per run with once", async () => {
    const behaviors: BehaviorDefinition[] = [
      { name: "low", trigger: { on: "always" }, action: { type: "injectPrompt", text: "low" }, once: true },
      {
        name: "high",
        trigger: { on: "always" },
        action: { type: "injectPrompt", text: "high" },
        priority: 10,
        once: true,
      },
    ];
    const { engine, model, recorder } = setup([call("notes__list", {}), { content: "done" }], withBehaviors(behaviors));
    await engine.run("assistant", "x");
    expect(recorder.ofHook("behaviorTriggered").map((e) => e.behaviorName)).toEqual(["high", "low"]);
    expect(systemOf(model.requests[0]!).indexOf("high")).toBeLessThan(systemOf(model.requests[0]!).indexOf("low"));
  });
});

describe("behavior actions", () => {
  it("requireApproval pauses even an AUTO tool, and approval runs it", async () => {
    const behaviors: BehaviorDefinition[] = [
      {
        name: "careful",
        trigger: { on: "input", pattern: "careful" },
        action: { type: "requireApproval", tools: ["notes.add"] },
      },
    ];
    const { engine, plugin, recorder } = setup(
      [call("notes__add", { text: "x" }), { content: "done" }],
      withBehaviors(behaviors),
    );
    const paused = await engine.run("assistant", "be careful");
    expect(paused.status).toBe("awaiting_approval");
    expect(paused.checkpoint).toMatchObject({ toolName: "notes__add", tier: "AUTO" });
    expect(plugin.calls).toEqual([]);
    expect(recorder.count("behaviorTriggered")).toBe(1);
    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done.status).toBe("completed");
    expect(plugin.calls).toEqual([{ action: "add", params: { text: "x" } }]);
  });

  it("stop ends the run with its message, skipping the rest", async () => {
    const behaviors: BehaviorDefinition[] = [
      {
        name: "no-secrets",
        trigger: { on: "input", pattern: "password" },
        action: { type: "stop", message: "I can't help with passwords." },
      },
      {
        name: "halt-after-error",
        trigger: { on: "toolError" },
        action: { type: "stop", message: "Stopped after an error." },
      },
    ];
    const { engine, model, recorder, plugin } = setup(
      [
        {
          toolCalls: [
            { name: "notes__explode", arguments: {} },
            { name: "notes__add", arguments: { text: "never" } },
          ],
        },
        { content: "unused" },
      ],
      withBehaviors(behaviors),
    );
    const refused = await engine.run("assistant", "what is my password");
    expect(refused).toMatchObject({
      status: "completed",
      output: "I can't help with passwords.",
      stoppedBy: "no-secrets",
      steps: 0,
    });
    expect(model.requests).toEqual([]);
    expect(recorder.hooks()).toEqual(["runStarted", "personaResolved", "behaviorTriggered", "runCompleted"]);

    const halted = await engine.run("assistant", "go");
    expect(halted).toMatchObject({
      status: "completed",
      output: "Stopped after an error.",
      stoppedBy: "halt-after-error",
      steps: 1,
    });
    expect(plugin.calls.map((c) => c.action)).toEqual(["explode"]);
  });

  it("switchPhase moves the run to another cognitive phase", async () => {
    const behaviors: BehaviorDefinition[] = [
      {
        name: "to-review",
        trigger: { on: "toolResult", tool: "notes.add" },
        action: { type: "switchPhase", phase: "review" },
      },
    ];
    const cognition = {
      phases: [
        { name: "draft", instructions: "Draft notes." },
        { name: "review", instructions: "Review the notes." },
      ],
    };
    const { engine, model, recorder } = setup(
      [call("notes__add", { text: "x" }), { content: "done" }],
      withBehaviors(behaviors, { cognition }),
    );
    const { runId } = await engine.run("assistant", "x");
    expect(recorder.ofHook("cognitivePhaseChanged")).toEqual([{ runId, from: "draft", to: "review", seq: 9 }]);
    expect(recorder.hooks().indexOf("behaviorTriggered")).toBeLessThan(
      recorder.hooks().indexOf("cognitivePhaseChanged"),
    );
    expect(systemOf(model.requests[0]!)).toContain("Current phase: draft. Draft notes.");
    expect(systemOf(model.requests[1]!)).toContain("Current phase: review. Review the notes.");
  });
});
