import { describe, expect, it } from "vitest";
import { ActionTier, type Plugin, type PluginActionInfo } from "../src/index.js";
import { makePlugin, makeRegistry } from "./fixtures.js";

const register = (plugin: unknown) => {
  const { registry, logger } = makeRegistry();
  try {
    registry.register(plugin as Plugin);
    return { error: undefined, registry, logger };
  } catch (error) {
    return { error: error as { code: string; message: string }, registry, logger };
  }
};

const withActions = (actions: unknown[]) => makePlugin({ actions: actions as PluginActionInfo[] });
const action = (extra: Record<string, unknown>) => ({ name: "a", description: "", tier: ActionTier.AUTO, ...extra });

describe("register", () => {
  it("accepts a valid plugin in state pending and lists its actions with the plugin name", () => {
    const { error, registry } = register(makePlugin());
    expect(error).toBeUndefined();
    expect(registry.state("test")).toBe("pending");
    expect(registry.names()).toEqual(["test"]);
    expect(registry.get("test")?.name).toBe("test");
    expect(registry.listActions()[0]).toEqual({
      plugin: "test",
      name: "echo",
      description: "echo params",
      tier: "AUTO",
    });
    expect(registry.state("nope")).toBeUndefined();
  });

  it.each([
    ["null", null, /expected an object/],
    ["a missing name", makePlugin({ name: undefined as never }), /name is missing/],
    ["an empty name", makePlugin({ name: "" }), /name is missing/],
    ["an upper-case name", makePlugin({ name: "Calendar" }), /must match/],
    ["a name with __", makePlugin({ name: "a__b" }), /must not contain "__"/],
    ["a name with a dot", makePlugin({ name: "a.b" }), /must match/],
    ["a missing method", makePlugin({ health: undefined as never }), /health\(\) is missing/],
    ["a missing version", makePlugin({ version: "" }), /version is missing/],
    ["a non-string description", makePlugin({ description: 3 as never }), /description must be a string/],
    [
      "listActions throwing",
      makePlugin({
        listActions: () => {
          throw new Error("boom");
        },
      }),
      /listActions\(\) threw: boom/,
    ],
    ["listActions not an array", makePlugin({ listActions: () => ({}) as never }), /must return an array/],
    ["an action that is not an object", withActions([42]), /non-object action/],
    ["an action name with __", withActions([action({ name: "list__all" })]), /must not contain "__"/],
    ["an action name starting with a digit", withActions([action({ name: "1x" })]), /must match/],
    [
      "an action without description",
      withActions([action({ description: undefined })]),
      /description must be a string/,
    ],
    ["an unknown tier", withActions([action({ tier: "SOMETIMES" })]), /tier "SOMETIMES"/],
    ["a duplicate action", withActions([action({}), action({})]), /listed twice/],
  ])("rejects %s with CORTEX_INVALID_PLUGIN", (_label, plugin, message) => {
    const { error, registry } = register(plugin);
    expect(error?.code).toBe("CORTEX_INVALID_PLUGIN");
    expect(error?.message).toMatch(message);
    expect(registry.names()).toEqual([]);
  });

  it.each([
    ["a schema with an unknown type", { type: "strnig" }],
    ["a schema with a dangling $ref", { type: "object", properties: { a: { $ref: "#/defs/missing" } } }],
    ["a schema that is not an object", "object"],
  ])("rejects %s with CORTEX_INVALID_SCHEMA naming plugin and action", (_label, parameters) => {
    const { error } = register(withActions([action({ name: "bad", parameters })]));
    expect(error?.code).toBe("CORTEX_INVALID_SCHEMA");
    expect(error?.message).toContain('"test.bad"');
  });

  it("warns about (but accepts) a non-semver version", () => {
    const { error, logger } = register(makePlugin({ version: "latest" }));
    expect(error).toBeUndefined();
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: "warn", message: expect.stringContaining("not semver") as string }),
    );
  });

  it("rejects a duplicate name with CORTEX_DUPLICATE_PLUGIN", () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin());
    expect(() => registry.register(makePlugin())).toThrow(expect.objectContaining({ code: "CORTEX_DUPLICATE_PLUGIN" }));
  });

  it("reads listActions once, at registration", () => {
    let reads = 0;
    const plugin = makePlugin();
    const original = plugin.listActions.bind(plugin);
    plugin.listActions = () => (reads++, original());
    const { registry } = makeRegistry();
    registry.register(plugin);
    registry.listActions();
    registry.listActions();
    expect(reads).toBe(1);
  });

  it("accepts class instances and schemas with descriptions/examples (non-strict ajv)", () => {
    class Info {
      name = "x";
      description = "d";
      tier = ActionTier.AUTO;
      parameters = { type: "object", description: "d", examples: [{}], "x-vendor": true, properties: {} };
    }
    expect(register(withActions([new Info()])).error).toBeUndefined();
  });
});
