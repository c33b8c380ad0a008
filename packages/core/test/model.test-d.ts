import { ScriptedModel } from "@cortex/testing";
import { expect, expectTypeOf, test } from "vitest";
import { isCortexError, type ModelClient, type ModelResponse } from "../src/index.js";

test("ScriptedModel from @cortex/testing is a ModelClient", () => {
  expectTypeOf(new ScriptedModel([])).toMatchTypeOf<ModelClient>();
  expectTypeOf<Awaited<ReturnType<ScriptedModel["generate"]>>>().toMatchTypeOf<ModelResponse>();
});

test("a model must return a response promise", () => {
  // @ts-expect-error generate must return a promise of a ModelResponse
  const bad: ModelClient = { generate: () => "text" };
  void bad;
});

test("isCortexError narrows to an error whose code can be any package's code", () => {
  const error: unknown = new Error("x");
  if (isCortexError(error)) {
    expectTypeOf(error.code).toEqualTypeOf<string>();
    expect(error.code === "CORTEX_AGENT_NOT_FOUND").toBe(false);
  }
});
