import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { ModelClient as CoreModelClient } from "@cortex/core";
import type { ModelClient, ModelStreamPart } from "@cortex/primitives";
import type { LanguageModelV4 } from "ai-sdk-7-provider";
import { describe, expectTypeOf, it } from "vitest";
import { aiSdkModel, modelFromEnv, type AiSdkLanguageModel, type AiSdkModelClient } from "../src/index.js";

describe("aiSdkModel types", () => {
  it("accepts language models of specification v3 (AI SDK 6) and v4 (AI SDK 7)", () => {
    expectTypeOf<LanguageModelV3>().toExtend<AiSdkLanguageModel>();
    expectTypeOf<LanguageModelV4>().toExtend<AiSdkLanguageModel>();
    expectTypeOf(aiSdkModel).parameter(0).toEqualTypeOf<AiSdkLanguageModel>();
  });

  it("refuses what is not a language model", () => {
    // @ts-expect-error a provider function is not a language model
    aiSdkModel((id: string) => id);
    // @ts-expect-error an unknown option
    aiSdkModel({} as LanguageModelV3, { temprature: 0 });
  });

  it("gives a client the engine takes, whose stream yields Cortex stream parts", () => {
    expectTypeOf<AiSdkModelClient>().toExtend<ModelClient>();
    expectTypeOf<AiSdkModelClient>().toExtend<CoreModelClient>();
    expectTypeOf<ReturnType<AiSdkModelClient["stream"]>>().toEqualTypeOf<AsyncIterable<ModelStreamPart>>();
    expectTypeOf(modelFromEnv).returns.toEqualTypeOf<Promise<AiSdkModelClient>>();
  });
});
