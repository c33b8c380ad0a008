import { describe, expect, it } from "vitest";
import { InvalidOptionsError, PersonaNotFoundError } from "../src/index.js";
import { setup } from "./support.js";

const ada = {
  name: "ada",
  identity: "You are Ada, a careful scheduling assistant.",
  instructions: "Never double-book.",
  traits: ["precise", "kind"],
  communicationStyle: "brief and friendly",
};

describe("personas", () => {
  it("resolves the persona at run start, fires personaResolved, and shapes the system prompt", async () => {
    const { engine, model, recorder } = setup([{ content: "hi" }], { personas: [ada], agent: { persona: "ada" } });
    const { runId } = await engine.run("assistant", "hello");
    expect(recorder.hooks().slice(0, 3)).toEqual(["runStarted", "personaResolved", "stepStarted"]);
    expect(recorder.ofHook("personaResolved")).toEqual([{ agentId: "assistant", personaName: "ada", runId, seq: 2 }]);
    expect(recorder.ofHook("runStarted")[0]!.runId).toBe(runId);
    expect(model.requests[0]!.messages[0]).toEqual({
      role: "system",
      content: [
        "You are Ada, a careful scheduling assistant.\nNever double-book.\nTraits: precise, kind.\nCommunication style: brief and friendly.",
        "You keep notes.",
      ].join("\n\n"),
    });
  });

  it("rejects a run whose persona is not registered before the run starts", async () => {
    const { engine, recorder, model } = setup([{ content: "hi" }], { agent: { persona: "nobody" } });
    await expect(engine.run("assistant", "hello")).rejects.toBeInstanceOf(PersonaNotFoundError);
    await expect(engine.run("assistant", "hello")).rejects.toMatchObject({
      code: "CORTEX_PERSONA_NOT_FOUND",
      personaName: "nobody",
    });
    expect(recorder.events).toEqual([]);
    expect(model.requests).toEqual([]);
  });

  it("can be defined after the engine is created", async () => {
    const { engine, model } = setup([{ content: "hi" }], { agent: { persona: "late" } });
    engine.definePersona({ name: "late", identity: "You arrived late." });
    await engine.run("assistant", "x");
    expect(model.requests[0]!.messages[0]!.content).toContain("You arrived late.");
  });

  it("validates persona definitions when they are registered", () => {
    const { engine } = setup([]);
    expect(() => engine.definePersona({ name: "" })).toThrow(InvalidOptionsError);
    expect(() => engine.definePersona({ name: "x", traits: "bold" as unknown as string[] })).toThrow(/traits/);
    engine.definePersona({ name: "twice" });
    expect(() => engine.definePersona({ name: "twice" })).toThrow(/twice/);
    expect(() =>
      engine.definePersona({
        name: "y",
        behaviors: [{ name: "b", trigger: { on: "sometimes" } as never, action: { type: "stop", message: "x" } }],
      }),
    ).toThrow(/unknown trigger/);
    expect(() =>
      engine.definePersona({
        name: "z",
        behaviors: [{ name: "b", trigger: { on: "always" }, action: { type: "switchPhase", phase: "nowhere" } }],
      }),
    ).toThrow(/nowhere/);
    expect(() =>
      engine.definePersona({ name: "w", cognition: { phases: [{ name: "a", transitions: [{ after: 1, to: "b" }] }] } }),
    ).toThrow(/unknown phase "b"/);
  });
});
