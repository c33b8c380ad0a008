import { describe, expectTypeOf, it } from "vitest";
import type { FinishReason, ModelClient, ModelRequest, ModelResponse, ModelStreamPart } from "../src/index.js";

describe("ModelClient", () => {
  it("needs generate; stream is optional", () => {
    const plain: ModelClient = { generate: async () => ({ content: "hi" }) };
    expectTypeOf(plain.stream).toEqualTypeOf<((request: ModelRequest) => AsyncIterable<ModelStreamPart>) | undefined>();
    // @ts-expect-error generate is required
    const none: ModelClient = { stream: () => [][Symbol.iterator]() as never };
    void none;
  });

  it("keeps usage and finish reasons in the common vocabulary", () => {
    expectTypeOf<ModelResponse["usage"]>().toEqualTypeOf<{ inputTokens: number; outputTokens: number } | undefined>();
    // @ts-expect-error providers' own reasons are mapped first
    const reason: FinishReason = "end_turn";
    void reason;
  });
});
