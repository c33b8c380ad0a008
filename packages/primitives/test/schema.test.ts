import { toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isStandardSchema, toJsonSchema, validateStandard } from "../src/index.js";

const zodNote = z.object({ text: z.string(), tags: z.array(z.string()).optional() });

describe("isStandardSchema", () => {
  it("recognises zod, valibot and arktype schemas, and nothing else", () => {
    expect(isStandardSchema(zodNote)).toBe(true);
    expect(isStandardSchema(v.object({ a: v.string() }))).toBe(true);
    expect(isStandardSchema(type({ a: "string" }))).toBe(true);
    expect(isStandardSchema({ type: "object" })).toBe(false);
    expect(isStandardSchema({ "~standard": { version: 2, validate: () => ({ value: 1 }) } })).toBe(false);
    expect(isStandardSchema({ "~standard": { version: 1 } })).toBe(false);
    expect(isStandardSchema(null)).toBe(false);
  });
});

describe("toJsonSchema", () => {
  it("returns a plain JSON Schema object as it is", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    expect(toJsonSchema(schema)).toBe(schema);
  });

  it("converts zod 4, arktype and wrapped valibot schemas to draft-07 by default", () => {
    for (const schema of [
      zodNote,
      type({ text: "string", "tags?": "string[]" }),
      toStandardJsonSchema(v.object({ text: v.string(), tags: v.optional(v.array(v.string())) })),
    ]) {
      const json = toJsonSchema(schema);
      expect(json).toMatchObject({
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        properties: { text: { type: "string" }, tags: { type: "array", items: { type: "string" } } },
        required: ["text"],
      });
    }
    expect(toJsonSchema(zodNote, { target: "draft-2020-12" })).toMatchObject({
      $schema: "https://json-schema.org/draft/2020-12/schema",
    });
  });

  it("describes the output side when asked", () => {
    const withDefault = z.object({ n: z.number().default(1) });
    expect(toJsonSchema(withDefault, { io: "input" })).not.toMatchObject({ required: ["n"] });
    expect(toJsonSchema(withDefault, { io: "output" })).toMatchObject({ required: ["n"] });
  });

  it("is undefined for a Standard Schema without a converter, and for what is no schema", () => {
    expect(toJsonSchema(v.object({ a: v.string() }))).toBeUndefined();
    expect(toJsonSchema("string")).toBeUndefined();
    expect(toJsonSchema([1])).toBeUndefined();
  });

  it("lets what a converter throws through", () => {
    const transformed = z.object({ at: z.date() });
    expect(() => toJsonSchema(transformed)).toThrow();
  });
});

describe("validateStandard", () => {
  it("returns the typed value", async () => {
    await expect(validateStandard(zodNote, { text: "milk" })).resolves.toEqual({ value: { text: "milk" } });
  });

  it("returns every issue with a JSON pointer", async () => {
    const result = await validateStandard(z.object({ items: z.array(z.object({ "a/b": z.string() })) }), {
      items: [{ "a/b": 1 }],
    });
    expect(result.issues).toEqual([{ path: "/items/0/a~1b", message: expect.any(String) as string }]);
    const root = await validateStandard(v.string(), 3);
    expect(root.issues?.[0]?.path).toBe("");
  });
});
