import { isPlainObject } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { isCortexError, type JsonSchema, type PluginActionInfo } from "../src/index.js";
import { compileSchema, createAjv, readParams, toIssues } from "../src/validation.js";
import { makePlugin, makeRegistry } from "./fixtures.js";

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

/** The issues `readParams` reports, or `undefined` when it accepts the params. */
const issuesOf = (params: unknown) => {
  const read = readParams(params);
  return "issues" in read ? read.issues : undefined;
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

describe("readParams: the one walk over params", () => {
  it("accepts plain objects, including null-prototype ones", () => {
    expect(issuesOf({ a: [1, { b: 2 }] })).toBeUndefined();
    expect(issuesOf(Object.create(null))).toBeUndefined();
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
    expect(issuesOf(value)).toEqual([{ path: "", message: `must be a plain object, got ${kind}` }]);
  });

  it("rejects __proto__, constructor and prototype keys at any depth, with pointers", () => {
    const params = JSON.parse(
      '{"__proto__":{"x":1},"a":{"constructor":1,"b":[{"prototype":2}]},"ok":{"deep":{"__proto__":null}}}',
    ) as unknown;
    expect(issuesOf(params)).toEqual([
      { path: "/__proto__", message: 'key "__proto__" is not allowed' },
      { path: "/a/constructor", message: 'key "constructor" is not allowed' },
      { path: "/a/b/0/prototype", message: 'key "prototype" is not allowed' },
      { path: "/ok/deep/__proto__", message: 'key "__proto__" is not allowed' },
    ]);
  });

  it("stops at cycles and absurd depth instead of recursing forever", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(issuesOf(cyclic)?.[0]?.message).toMatch(/nested deeper than 64/);
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 70; i++) {
      const next: Record<string, unknown> = {};
      at.n = next;
      at = next;
    }
    expect(readParams(deep)).toMatchObject({ issues: [{ message: "is nested deeper than 64 levels" }] });
  });

  it("copies JSON data deeply, leaves out undefined properties, and shares nothing with the input", () => {
    const input = { a: 1, b: { c: [1, "x", null, { d: true }] }, e: undefined };
    const result = readParams(input);
    expect(result).toEqual({ value: { a: 1, b: { c: [1, "x", null, { d: true }] } } });
    const copy = (result as { value: typeof input }).value;
    expect(copy.b).not.toBe(input.b);
    expect(copy.b.c[3]).not.toBe(input.b.c[3]);
  });

  it("copies own enumerable string keys only, as JSON does: symbol keys and inherited keys stay behind", () => {
    const symbol = Symbol("hidden");
    const hidden = Object.defineProperty({ a: 1, [symbol]: 2 }, "b", { value: 3, enumerable: false });
    const read = readParams({ nested: hidden });
    expect(read).toEqual({ value: { nested: { a: 1 } } });
    expect(Object.getOwnPropertySymbols((read as { value: { nested: object } }).value.nested)).toEqual([]);
    const proto = Object.prototype as Record<string, unknown>;
    proto.tampered = { x: 1 };
    try {
      const value = (readParams({ a: { b: 1 } }) as { value: Record<string, unknown> }).value;
      expect(Object.keys(value)).toEqual(["a"]);
      expect(Object.keys(value.a as object)).toEqual(["b"]);
    } finally {
      delete proto.tampered;
    }
  });

  it("reports every value JSON cannot carry, or carries as another value, with its pointer", () => {
    expect(
      issuesOf({
        toJSON: () => ({}),
        n: Number.NaN,
        inf: -Infinity,
        zero: -0,
        big: 10n,
        sym: Symbol("s"),
        tags: new Set(["a"]),
        when: new Date(0),
        list: [1, undefined, [null, -0]],
        sparse: [1, , 3], // eslint-disable-line no-sparse-arrays -- the case under test
      }),
    ).toEqual([
      { path: "/toJSON", message: "must be a JSON value, got function" },
      { path: "/n", message: "must be a JSON value, got NaN" },
      { path: "/inf", message: "must be a JSON value, got -Infinity" },
      { path: "/zero", message: "must be a JSON value, got -0" },
      { path: "/big", message: "must be a JSON value, got bigint" },
      { path: "/sym", message: "must be a JSON value, got symbol" },
      { path: "/tags", message: "must be a JSON value, got a Set" },
      { path: "/when", message: "must be a JSON value, got a Date" },
      { path: "/list/1", message: "must be a JSON value, got undefined" },
      { path: "/list/2/1", message: "must be a JSON value, got -0" },
      { path: "/sparse/1", message: "must be a JSON value, got undefined" },
    ]);
    expect(issuesOf({ zero: 0, list: [0, null] })).toBeUndefined();
  });
});

describe("forbidden keys through execute", () => {
  const leafObject = (properties: Record<string, JsonSchema>): JsonSchema => ({
    type: "object",
    properties,
    additionalProperties: false,
  });
  const closedNested: JsonSchema = {
    type: "object",
    properties: {
      title: { type: "string", minLength: 1 },
      when: leafObject({ day: { type: "string", format: "date" }, all: { type: ["boolean", "null"] } }),
      guests: { type: "array", items: leafObject({ email: { type: "string" } }), maxItems: 3 },
      tags: { type: "array", items: { type: "string" } },
    },
    required: ["title"],
    additionalProperties: false,
  };
  const actions: PluginActionInfo[] = [
    { name: "closed", description: "", tier: "AUTO", parameters: closedNested },
    { name: "open", description: "", tier: "AUTO", parameters: { ...closedNested, additionalProperties: undefined } },
    { name: "none", description: "", tier: "AUTO" },
  ];

  const cases: [string, string][] = [
    ['{"title":"t","__proto__":{"x":1}}', "/__proto__"],
    ['{"title":"t","constructor":1}', "/constructor"],
    ['{"title":"t","prototype":2}', "/prototype"],
    ['{"title":"t","when":{"__proto__":{"polluted":true}}}', "/when/__proto__"],
    ['{"title":"t","guests":[{"email":"a@b.co"},{"constructor":{"prototype":1}}]}', "/guests/1/constructor"],
  ];

  for (const name of ["closed", "open", "none"]) {
    it.each(cases)(
      `${name} schema: rejects %s at %s with CORTEX_VALIDATION_FAILED and never runs the plugin`,
      async (json, path) => {
        const plugin = makePlugin({ actions });
        const { registry } = makeRegistry();
        registry.register(plugin);
        await registry.setupAllPending();
        const error = await registry.execute("test", name, JSON.parse(json)).catch((e: unknown) => e);
        expect(isCortexError(error)).toBe(true);
        expect(error).toMatchObject({ code: "CORTEX_VALIDATION_FAILED", plugin: "test", action: name });
        const issues = (error as { issues: { path: string; message: string }[] }).issues;
        const key = path.slice(path.lastIndexOf("/") + 1);
        expect(issues).toContainEqual({ path, message: `key "${key}" is not allowed` });
        // Issues of the walk are reported alone, before any schema issue.
        for (const issue of issues) expect(issue.message).toMatch(/^key ".*" is not allowed$/);
        expect(plugin.calls).toHaveLength(0);
        expect(() => registry.validate("test", name, JSON.parse(json))).toThrow(
          expect.objectContaining({ code: "CORTEX_VALIDATION_FAILED" }),
        );
      },
    );
  }

  it("still accepts valid params, and rejects non-plain objects before the schema", async () => {
    const plugin = makePlugin({ actions });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const valid = { title: "t", when: { day: "2026-06-01", all: null }, guests: [{ email: "a" }], tags: ["x"] };
    await expect(registry.execute("test", "closed", valid)).resolves.toMatchObject({ success: true });
    await expect(registry.execute("test", "closed", [valid])).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
      issues: [{ path: "", message: "must be a plain object, got an array" }],
    });
    await expect(registry.execute("test", "closed", { title: "t", extra: 1 })).rejects.toMatchObject({
      issues: [{ path: "/extra", message: "is not an allowed property" }],
    });
    expect(plugin.calls).toHaveLength(1);
  });
});

describe("validation is the same in every state", () => {
  const cases: [string, unknown][] = [
    ["an undefined array item", { a: [1, undefined] }],
    ["-0", { a: -0 }],
    ["NaN", { a: Number.NaN }],
    ["a Date", { a: new Date(0) }],
    ["a bigint", { a: 1n }],
  ];

  it.each(cases)(
    "%s is refused before setup, after setup, by validate() and for every tier",
    async (_label, params) => {
      const plugin = makePlugin();
      const { registry } = makeRegistry({ approver: () => ({ approved: true }) });
      registry.register(plugin);
      const codeOf = (action: string) =>
        registry.execute("test", action, params).then(
          () => "ran",
          (e: { code: string }) => e.code,
        );
      expect(await codeOf("echo")).toBe("CORTEX_VALIDATION_FAILED");
      expect(registry.state("test")).toBe("pending");
      await registry.setupAllPending();
      expect(await codeOf("echo")).toBe("CORTEX_VALIDATION_FAILED");
      expect(await codeOf("confirm")).toBe("CORTEX_VALIDATION_FAILED");
      expect(() => registry.validate("test", "echo", params)).toThrow(
        expect.objectContaining({ code: "CORTEX_VALIDATION_FAILED" }),
      );
      expect(plugin.calls).toEqual([]);
    },
  );
});
