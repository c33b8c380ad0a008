import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCortexError, type JsonSchema, type PluginActionInfo } from "../src/index.js";
import {
  checkParamsShape,
  compileSchema,
  createAjv,
  isClosedSchema,
  paramsChecker,
  toIssues,
} from "../src/validation.js";
import { makePlugin, makeRegistry } from "./fixtures.js";

const leafObject = (properties: Record<string, JsonSchema>): JsonSchema => ({
  type: "object",
  properties,
  additionalProperties: false,
});

const closedNested: JsonSchema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  type: "object",
  description: "closed all the way down",
  properties: {
    title: { type: "string", minLength: 1 },
    when: leafObject({ day: { type: "string", format: "date" }, all: { type: ["boolean", "null"] } }),
    guests: { type: "array", items: leafObject({ email: { type: "string" } }), maxItems: 3 },
    tags: { type: "array", items: { type: "string" } },
    any: { anyOf: [{ type: "string" }], type: "string" }, // primitive type: closed whatever else it says
  },
  required: ["title"],
  additionalProperties: false,
};

describe("isClosedSchema", () => {
  it("accepts schemas closed all the way down", () => {
    expect(isClosedSchema(closedNested)).toBe(true);
    expect(isClosedSchema({ type: "object", additionalProperties: false })).toBe(true);
    expect(isClosedSchema({ type: "string" })).toBe(true);
    expect(isClosedSchema({ type: "array", items: false })).toBe(true);
    expect(isClosedSchema(false)).toBe(true);
  });

  it.each<[string, unknown]>([
    ["no additionalProperties", { type: "object", properties: { a: { type: "string" } } }],
    ["additionalProperties: true", { type: "object", additionalProperties: true }],
    ["an additionalProperties schema", { type: "object", additionalProperties: { type: "string" } }],
    [
      "patternProperties",
      { type: "object", patternProperties: { "^x": { type: "string" } }, additionalProperties: false },
    ],
    [
      "a declared __proto__ property",
      JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}},"additionalProperties":false}'),
    ],
    ["a declared constructor property", leafObject({ constructor: { type: "string" } })],
    ["a declared prototype property", leafObject({ prototype: { type: "string" } })],
    ["an open nested object", leafObject({ inner: { type: "object" } })],
    ["a property without type", leafObject({ inner: { description: "anything" } })],
    ["a `true` property schema", leafObject({ inner: true as unknown as JsonSchema })],
    ["an array without items", leafObject({ list: { type: "array" } })],
    ["tuple items", leafObject({ list: { type: "array", items: [{ type: "string" }] } })],
    ["open array items", leafObject({ list: { type: "array", items: { type: "object" } } })],
    ["$ref", { $ref: "#/definitions/x", type: "object", additionalProperties: false, definitions: { x: {} } }],
    ["allOf", { type: "object", additionalProperties: false, allOf: [{ type: "object" }] }],
    ["oneOf", { type: "object", additionalProperties: false, oneOf: [{ type: "object" }] }],
    ["an unknown keyword", { type: "object", additionalProperties: false, "x-vendor": 1 }],
    ["no type", { properties: {}, additionalProperties: false }],
    ["an unknown type", { type: "objekt", additionalProperties: false }],
    ["true", true],
    ["not an object", "object"],
  ])("treats a schema with %s as open", (_label, schema) => {
    expect(isClosedSchema(schema)).toBe(false);
  });

  it("treats absurdly deep closed schemas as open, so the walk's depth limit still reports", () => {
    let schema: JsonSchema = { type: "string" };
    for (let i = 0; i < 40; i++) schema = leafObject({ a: schema });
    expect(isClosedSchema(schema)).toBe(false);
  });
});

describe("the params check of an action", () => {
  // The order of work differs between closed and open schemas; the report
  // must not: shape issues (plain object, forbidden keys, depth) first, then
  // the schema's.
  const reference = (validate: ReturnType<typeof compileSchema>, params: unknown) =>
    checkParamsShape(params) ?? (validate(params) ? undefined : toIssues(validate.errors));

  const schemas: JsonSchema[] = [
    closedNested,
    leafObject({ a: { type: "string" }, n: { type: "integer" } }),
    { ...closedNested, additionalProperties: undefined },
    { type: "object" },
  ];
  const key = fc.oneof(
    fc.constantFrom(
      "title",
      "when",
      "day",
      "all",
      "guests",
      "email",
      "tags",
      "a",
      "n",
      "__proto__",
      "constructor",
      "prototype",
    ),
    fc.string({ maxLength: 4 }),
  );
  const leaf = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom("2026-06-01", "x"),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
  );
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: "small" }, leaf, tie("object"), fc.array(tie("tree"), { maxLength: 3 })),
    object: fc.dictionary(key, tie("tree"), { maxKeys: 5 }),
  }));
  const params = fc.oneof(tree, fc.anything()).map((v) => {
    try {
      return JSON.parse(JSON.stringify(v) ?? "null") as unknown; // own __proto__ keys appear this way
    } catch {
      return v;
    }
  });

  it("reports exactly what the shape walk plus the schema report, for closed and open schemas", () => {
    const ajv = createAjv();
    for (const schema of schemas) {
      const validate = compileSchema(ajv, schema);
      const check = paramsChecker(validate, isClosedSchema(schema));
      fc.assert(
        fc.property(params, (value) => {
          expect(check(value)).toEqual(reference(validate, value));
        }),
        { numRuns: 400 },
      );
    }
  });

  it("without a schema is the shape check", () => {
    expect(paramsChecker(undefined, false)).toBe(checkParamsShape);
  });
});

describe("forbidden keys through execute", () => {
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
        // Shape issues are reported alone, before any schema issue, on both paths.
        for (const issue of issues) expect(issue.message).toMatch(/^key ".*" is not allowed$/);
        expect(plugin.calls).toHaveLength(0);
        expect(() => registry.validate("test", name, JSON.parse(json))).toThrow(
          expect.objectContaining({ code: "CORTEX_VALIDATION_FAILED" }),
        );
      },
    );
  }

  it("still accepts valid params on the closed path, and rejects non-plain objects before the schema", async () => {
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
