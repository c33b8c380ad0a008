import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { InferSchema, InferSchemaInput, SchemaLike } from "../src/index.js";

describe("InferSchema", () => {
  it("is the output type of a Standard Schema and unknown for JSON Schema", () => {
    const _note = z.object({ text: z.string(), n: z.number().default(1) });
    type Note = typeof _note;
    expectTypeOf<InferSchema<Note>>().toEqualTypeOf<{ text: string; n: number }>();
    expectTypeOf<InferSchemaInput<Note>>().toEqualTypeOf<{ text: string; n?: number | undefined }>();
    expectTypeOf<InferSchema<{ type: "object" }>>().toBeUnknown();
  });

  it("accepts both kinds where a schema is asked for", () => {
    const take = (_schema: SchemaLike) => undefined;
    take(z.string());
    take({ type: "string" });
    // @ts-expect-error a string is no schema
    take("string");
  });
});
