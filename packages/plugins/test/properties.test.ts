import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCortexError, type JsonSchema, type PluginActionInfo } from "../src/index.js";
import { compileSchema, createAjv } from "../src/validation.js";
import { makePlugin, makeRegistry, propertyRuns } from "./fixtures.js";

const schemas: Record<string, JsonSchema> = {
  list_events: {
    type: "object",
    properties: {
      start: { type: "string", description: "ISO date" },
      end: { type: "string", description: "ISO date" },
    },
    required: ["start", "end"],
  },
  typed: {
    type: "object",
    properties: {
      title: { type: "string", minLength: 1, maxLength: 20 },
      day: { type: "string", format: "date" },
      guests: { type: "array", items: { type: "string", format: "email" }, maxItems: 3 },
      priority: { enum: ["low", "high"] },
      meta: { type: "object", properties: { n: { type: "integer", minimum: 0 } }, required: ["n"] },
    },
    required: ["title"],
    additionalProperties: false,
  },
  open: { type: "object" },
};

const actions: PluginActionInfo[] = Object.entries(schemas).map(([name, parameters]) => ({
  name,
  description: name,
  tier: "AUTO",
  parameters,
}));

// Values aimed at the schemas (so some are valid) mixed with anything at all,
// including prototype-pollution keys.
const key = fc.oneof(
  fc.constantFrom(
    "start",
    "end",
    "title",
    "day",
    "guests",
    "priority",
    "meta",
    "n",
    "__proto__",
    "constructor",
    "prototype",
  ),
  fc.string({ maxLength: 6 }),
);
const leaf = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom("2026-06-01", "a@b.co", "low", "high", "2026-13-40"),
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: "small" }, leaf, tie("object"), fc.array(tie("tree"), { maxLength: 3 })),
  object: fc.dictionary(key, tie("tree"), { maxKeys: 5 }),
}));
const params = fc.oneof(tree, fc.anything(), fc.dictionary(key, tree, { maxKeys: 6 }));
const viaJson = params.map((v) => {
  // JSON.parse is how a model's arguments arrive, and how own __proto__ keys appear.
  try {
    return JSON.parse(JSON.stringify(v) ?? "null") as unknown;
  } catch {
    return v;
  }
});

/**
 * The documented rule, written independently of the registry: params are a
 * plain object of JSON data (plain objects, arrays without `undefined`
 * items, strings, booleans, null, finite numbers other than -0), with no
 * `__proto__`/`constructor`/`prototype` key and at most 64 levels deep;
 * `undefined` properties are left out before the schema sees them.
 */
function jsonData(value: unknown, depth = 0): unknown {
  if (typeof value === "string" || typeof value === "boolean" || value === null) return value;
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0) ? value : INVALID;
  if (typeof value !== "object" || depth > 64) return INVALID;
  if (Array.isArray(value)) {
    const items = value.map((item: unknown) => (item === undefined ? INVALID : jsonData(item, depth + 1)));
    return items.includes(INVALID) ? INVALID : items;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return INVALID;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "__proto__" || key === "constructor" || key === "prototype") return INVALID;
    if (item === undefined) continue;
    const copy = jsonData(item, depth + 1);
    if (copy === INVALID) return INVALID;
    Object.defineProperty(out, key, { value: copy, enumerable: true });
  }
  return out;
}
const INVALID = Symbol("invalid");

describe("properties", () => {
  const oracle = createAjv();
  const validators = Object.fromEntries(Object.entries(schemas).map(([n, s]) => [n, compileSchema(oracle, s)]));
  const isValid = (action: string, value: unknown): boolean => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
    const data = jsonData(value);
    return data !== INVALID && validators[action]!(data);
  };

  /** Random params never crash execute and reach the plugin only when valid. */
  async function neverCrashes(runs: { seed: number; numRuns: number }): Promise<void> {
    const plugin = makePlugin({ actions });
    const { registry } = makeRegistry();
    registry.register(plugin);
    let expectedCalls = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(schemas)), fc.oneof(params, viaJson), async (action, value) => {
        const valid = isValid(action, value);
        if (valid) expectedCalls++;
        const before = plugin.calls.length;
        let outcome: unknown;
        try {
          outcome = await registry.execute("test", action, value);
        } catch (error) {
          expect(isCortexError(error)).toBe(true);
          expect((error as { code: string }).code).toBe("CORTEX_VALIDATION_FAILED");
          const issues = (error as { issues: { path: string; message: string }[] }).issues;
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) expect(issue.path === "" || issue.path.startsWith("/")).toBe(true);
          expect(valid).toBe(false);
          expect(plugin.calls.length).toBe(before);
          return;
        }
        expect(valid).toBe(true);
        expect(outcome).toMatchObject({ success: true });
        expect(plugin.calls.length).toBe(before + 1);
      }),
      runs,
    );
    expect(plugin.calls).toHaveLength(expectedCalls);
    expect(expectedCalls).toBeGreaterThan(0);
  }

  it("random params never crash execute and reach the plugin only when valid", { timeout: 120_000 }, async () => {
    await neverCrashes(propertyRuns("never crashes", 600));
  });

  it(
    "holds for seed 884374034 (params refused while pending, accepted once ready, if validation depended on state)",
    { timeout: 120_000 },
    async () => {
      await neverCrashes({ seed: 884374034, numRuns: 600 });
    },
  );

  it(
    "a plugin's state never changes the verdict: pending, ready, validate() and every tier agree",
    { timeout: 120_000 },
    async () => {
      const tiers: PluginActionInfo[] = actions.flatMap((a) => [
        a,
        { ...a, name: `${a.name}_confirm`, tier: "CONFIRM" },
      ]);
      const verdict = (outcome: Promise<unknown>) =>
        outcome.then(
          () => "ran",
          (e: { code: string }) => e.code,
        );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...Object.keys(schemas)), fc.oneof(params, viaJson), async (action, value) => {
          const { registry } = makeRegistry({ approver: () => ({ approved: true }) });
          registry.register(makePlugin({ actions: tiers }));
          const pending = await verdict(registry.execute("test", action, value));
          await registry.setupAllPending();
          expect(registry.state("test")).toBe("ready");
          const ready = await verdict(registry.execute("test", action, value));
          const confirmed = await verdict(registry.execute("test", `${action}_confirm`, value));
          const validated = await verdict(Promise.resolve().then(() => registry.validate("test", action, value)));
          const expected = isValid(action, value) ? "ran" : "CORTEX_VALIDATION_FAILED";
          expect([pending, ready, confirmed, validated]).toEqual([expected, expected, expected, expected]);
        }),
        propertyRuns("state never changes the verdict", 100),
      );
    },
  );

  it("unknown plugins and actions with random params are coded errors, never crashes", async () => {
    const plugin = makePlugin({ actions });
    const { registry } = makeRegistry();
    registry.register(plugin);
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), fc.anything(), async (p, a, value) => {
        const error = await registry.execute(p, a, value).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error !== undefined) expect(isCortexError(error)).toBe(true);
      }),
      propertyRuns("unknown names", 300),
    );
  });
});
