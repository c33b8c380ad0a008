import { describe, expect, it } from "vitest";
import type { CognitiveConfig } from "../src/index.js";
import { call, setup } from "./support.js";

function withPhases(cognition: CognitiveConfig) {
  return { personas: [{ name: "thinker", cognition }], agent: { persona: "thinker" } };
}

const toolNames = (request: { tools: readonly { name: string }[] }) => request.tools.map((t) => t.name);
const systemOf = (request: { messages: readonly { role: string; content?: string }[] }) =>
  request.messages.find((m) => m.role === "system")?.content ?? "";

describe("cognitive phases", () => {
  it("starts in the initial phase with its instructions and tools, and moves on after N steps", async () => {
    const cognition: CognitiveConfig = {
      initial: "explore",
      phases: [
        {
          name: "explore",
          instructions: "Look around.",
          tools: ["notes.list"],
          transitions: [{ after: 2, to: "act" }],
        },
        { name: "act", instructions: "Now act.", tools: ["notes.add"] },
      ],
    };
    const { engine, model, recorder } = setup(
      [call("notes__list", {}), call("notes__list", {}), { content: "done" }],
      withPhases(cognition),
    );
    const { runId } = await engine.run("assistant", "x");
    expect(toolNames(model.requests[0]!)).toEqual(["notes__list"]);
    expect(systemOf(model.requests[0]!)).toContain("Current phase: explore. Look around.");
    expect(toolNames(model.requests[1]!)).toEqual(["notes__list"]);
    expect(toolNames(model.requests[2]!)).toEqual(["notes__add"]);
    expect(systemOf(model.requests[2]!)).toContain("Current phase: act. Now act.");
    expect(recorder.ofHook("cognitivePhaseChanged")).toEqual([{ runId, from: "explore", to: "act", seq: 15 }]);
    const hooks = recorder.hooks();
    expect(hooks.indexOf("cognitivePhaseChanged")).toBe(
      hooks.lastIndexOf("stepCompleted", hooks.lastIndexOf("stepStarted")) + 1,
    );
  });

  it("moves on a tool call and on a tool error, only for matching tools", async () => {
    const cognition: CognitiveConfig = {
      phases: [
        { name: "plan", transitions: [{ on: "toolCall", tool: "notes.add", to: "check" }] },
        { name: "check", transitions: [{ on: "toolError", to: "recover" }] },
        { name: "recover", instructions: "Something failed; recover." },
      ],
    };
    const { engine, model, recorder } = setup(
      [call("notes__list", {}), call("notes__add", { text: "a" }), call("notes__explode", {}), { content: "done" }],
      withPhases(cognition),
    );
    await engine.run("assistant", "x");
    expect(recorder.ofHook("cognitivePhaseChanged").map(({ from, to }) => `${from}->${to}`)).toEqual([
      "plan->check",
      "check->recover",
    ]);
    expect(systemOf(model.requests[3]!)).toContain("Something failed; recover.");
  });

  it("tells the model when it calls a tool the current phase does not offer", async () => {
    const cognition: CognitiveConfig = { phases: [{ name: "read-only", tools: ["notes.list"] }] };
    const { engine, plugin, model, recorder } = setup(
      [call("notes__add", { text: "x" }), { content: "ok" }],
      withPhases(cognition),
    );
    expect((await engine.run("assistant", "x")).status).toBe("completed");
    expect(plugin.calls).toEqual([]);
    expect(recorder.ofHook("toolFailed")[0]!.error).toMatchObject({ code: "CORTEX_TOOL_NOT_AVAILABLE" });
    expect((model.requests[1]!.messages.at(-1) as { content: string }).content).toContain("read-only");
  });

  it("does not leave a phase on a call that phase refused", async () => {
    const cognition: CognitiveConfig = {
      phases: [
        {
          name: "review",
          tools: ["notes.list"],
          transitions: [
            { on: "toolCall", to: "act" },
            { on: "toolError", to: "act" },
          ],
        },
        { name: "act", tools: ["notes.add"] },
      ],
    };
    const { engine, plugin, model, recorder } = setup(
      [call("notes__add", { text: "skip the review" }), call("notes__list", {}), { content: "ok" }],
      withPhases(cognition),
    );
    await engine.run("assistant", "x");
    expect(plugin.calls.map((c) => c.action)).toEqual(["list"]);
    expect(toolNames(model.requests[1]!)).toEqual(["notes__list"]);
    expect(recorder.ofHook("cognitivePhaseChanged").map(({ from, to }) => `${from}->${to}`)).toEqual(["review->act"]);
    expect(toolNames(model.requests[2]!)).toEqual(["notes__add"]);
  });

  it("keeps the phase across a checkpoint, also when resumed from the store", async () => {
    const cognition: CognitiveConfig = {
      phases: [
        { name: "one", transitions: [{ after: 1, to: "two" }] },
        { name: "two", instructions: "Phase two." },
      ],
    };
    const { engine, model, recorder } = setup(
      [call("notes__publish", { text: "x" }), { content: "done" }],
      withPhases(cognition),
    );
    const paused = await engine.run("assistant", "x");
    expect((await engine.getRun(paused.runId))!.mind.phase).toBe("one");
    await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(recorder.ofHook("cognitivePhaseChanged")).toHaveLength(1);
    expect(systemOf(model.requests[1]!)).toContain("Phase two.");
  });
});
