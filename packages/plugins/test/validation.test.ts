import { describe, expect, it } from "vitest";
import { checkParamsShape, compileSchema, createAjv, isPlainObject, toIssues } from "../src/validation.js";

const schema = {
  type: "object",
  description: "real-world schemas carry descriptions and examples",
  examples: [{ start: "2026-06-01" }],
  properties: {
    start: { type: "string", format: "date", description: "ISO date" },
    at: { type: "string", format: "date-time" },
    email: { type: "string", format: "email" },
    "a/b~c": { type: "number" },
    nested: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
  },
  required: ["start"],
  additionalProperties: false,
};

describe("schema validation", () => {
  const ajv = createAjv();
  const validate = compileSchema(ajv, schema);

  it("compiles non-strict schemas and checks formats", () => {
    expect(validate({ start: "2026-06-01", at: "2026-06-01T10:00:00Z", email: "a@b.co" })).toBe(true);
    expect(validate({ start: "June", at: "later", email: "nope" })).toBe(false);
    expect(
      toIssues(validate.errors)
        .map((i) => i.path)
        .sort(),
    ).toEqual(["/at", "/email", "/start"]);
  });

  it("reports every issue with JSON pointers, required and additional at the property", () => {
    expect(validate({ extra: 1, "a/b~c": "x", nested: {} })).toBe(false);
    const issues = toIssues(validate.errors);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "/start", message: "is required" },
        { path: "/extra", message: "is not an allowed property" },
        { path: "/a~1b~0c", message: "must be number" },
        { path: "/nested/n", message: "is required" },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it("a schema that does not compile throws", () => {
    expect(() => compileSchema(ajv, { type: "strnig" })).toThrow();
    expect(() => compileSchema(ajv, { type: "object", properties: { a: { $ref: "#/nowhere" } } })).toThrow();
  });

  it("toIssues copes with no errors", () => {
    expect(toIssues(null)).toEqual([{ path: "", message: "is invalid" }]);
  });
});

describe("params shape", () => {
  it("accepts plain objects, including null-prototype ones", () => {
    expect(checkParamsShape({ a: [1, { b: 2 }] })).toBeUndefined();
    expect(checkParamsShape(Object.create(null))).toBeUndefined();
    expect(isPlainObject(new Date())).toBe(false);
  });

  it.each([
    [null, "null"],
    [[1], "an array"],
    ["s", "string"],
    [undefined, "undefined"],
    [new (class Params {})(), "a class instance"],
    [new Map(), "a class instance"],
  ])("rejects %o as %s", (value, kind) => {
    expect(checkParamsShape(value)).toEqual([{ path: "", message: `must be a plain object, got ${kind}` }]);
  });

  it("rejects __proto__, constructor and prototype keys at any depth, with pointers", () => {
    const params = JSON.parse(
      '{"__proto__":{"x":1},"a":{"constructor":1,"b":[{"prototype":2}]},"ok":{"deep":{"__proto__":null}}}',
    ) as unknown;
    expect(checkParamsShape(params)).toEqual([
      { path: "/__proto__", message: 'key "__proto__" is not allowed' },
      { path: "/a/constructor", message: 'key "constructor" is not allowed' },
      { path: "/a/b/0/prototype", message: 'key "prototype" is not allowed' },
      { path: "/ok/deep/__proto__", message: 'key "__proto__" is not allowed' },
    ]);
  });

  it("stops at cycles and absurd depth instead of recursing forever", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const issues = checkParamsShape(cyclic);
    expect(issues?.[0]?.message).toMatch(/nested deeper than 64/);
  });
});
