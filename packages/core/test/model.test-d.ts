import { ScriptedModel } from "@cortex/testing";
import { expectTypeOf, test } from "vitest";
import type { ModelClient, ModelResponse } from "../src/index.js";

test("ScriptedModel from @cortex/testing is a ModelClient", () => {
  expectTypeOf(new ScriptedModel([])).toMatchTypeOf<ModelClient>();
  expectTypeOf<Awaited<ReturnType<ScriptedModel["generate"]>>>().toMatchTypeOf<ModelResponse>();
});

test("a model must return a response promise", () => {
  // @ts-expect-error generate must return a promise of a ModelResponse
  const bad: ModelClient = { generate: () => "text" };
  void bad;
});
