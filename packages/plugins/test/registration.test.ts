import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ActionTier, type Plugin, type PluginActionInfo } from "../src/index.js";
import { makePlugin, makeRegistry, propertyRuns } from "./fixtures.js";

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

describe("tool names round-trip", () => {
  /** How tools are named (`<plugin>__<action>`) and split again (at the first `__`), as the engine does. */
  const toolName = (plugin: string, action: string) => `${plugin}__${action}`;
  const parse = (name: string) => {
    const at = name.indexOf("__");
    return { plugin: name.slice(0, at), action: name.slice(at + 2) };
  };

  it.each([["a_"], ["calendar_"], ["a__b"], ["x_-_"]])(
    "refuses the plugin name %s, which would not map back",
    (name) => {
      const { error, registry } = register(makePlugin({ name }));
      expect(error?.code).toBe("CORTEX_INVALID_PLUGIN");
      expect(error?.message).toMatch(/must not (end with "_"|contain "__")/);
      expect(registry.names()).toEqual([]);
    },
  );

  it.each([["a_b"], ["my-plugin"], ["a-"], ["a_b_c"], ["x1_2-3"]])("accepts %s", (name) => {
    expect(register(makePlugin({ name })).error).toBeUndefined();
  });

  it("every plugin and action name the registry accepts maps back to exactly that plugin and action", () => {
    // Names made mostly of `_` and `-`, where splitting goes wrong.
    const name = fc.stringMatching(/^[ab_-][aB1_-]{0,6}$/);
    const { registry } = makeRegistry();
    let accepted = 0;
    fc.assert(
      fc.property(name, name, (plugin, action) => {
        try {
          registry.register(makePlugin({ name: plugin, actions: [{ name: action, description: "", tier: "AUTO" }] }));
        } catch (error) {
          expect(error).toMatchObject({ code: expect.stringMatching(/^CORTEX_(INVALID|DUPLICATE)_PLUGIN$/) as string });
          return;
        }
        accepted++;
        expect(parse(toolName(plugin, action))).toEqual({ plugin, action });
        expect(
          registry.listActions().filter((a) => toolName(a.plugin, a.name) === toolName(plugin, action)),
        ).toHaveLength(1);
      }),
      propertyRuns("tool names round-trip", 500),
    );
    expect(accepted).toBeGreaterThan(0);
  });
});

describe("schemas ajv cannot check synchronously", () => {
  it("refuses a $async schema at registration instead of letting every call through", () => {
    const { registry } = makeRegistry();
    const plugin = makePlugin({
      actions: [
        {
          name: "read",
          description: "reads a file",
          tier: ActionTier.AUTO,
          parameters: {
            $async: true,
            type: "object",
            properties: { path: { type: "string", pattern: "^[a-z]+\\.txt$" } },
            additionalProperties: false,
          },
        },
      ],
    });
    expect(() => registry.register(plugin)).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_SCHEMA", message: expect.stringContaining("$async") as string }),
    );
    expect(registry.names()).toEqual([]);
  });
});

describe("schema ids", () => {
  const withId = (plugin: string, id: string, broken = false) =>
    makePlugin({
      name: plugin,
      actions: [
        {
          name: "a",
          description: "",
          tier: ActionTier.AUTO,
          parameters: { $id: id, type: "object", properties: { n: { type: "integer" } } },
        },
        ...(broken ? [{ name: "b", description: "", tier: "NOPE" as never }] : []),
      ],
    });

  it("two plugins may use the same $id, and each validates with its own schema", async () => {
    const { registry } = makeRegistry();
    registry.register(withId("one", "params"));
    registry.register(withId("two", "params"));
    await expect(registry.execute("two", "a", { n: 1 })).resolves.toMatchObject({ success: true });
    await expect(registry.execute("two", "a", { n: "x" })).rejects.toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
  });

  it("a registration that fails leaves no schema behind, so the fixed plugin registers", () => {
    const { registry } = makeRegistry();
    expect(() => registry.register(withId("one", "params", true))).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_PLUGIN" }),
    );
    expect(() => registry.register(withId("one", "params"))).not.toThrow();
  });
});

describe("a plugin whose properties throw when read", () => {
  const throwing = (property: string) => {
    const plugin = makePlugin();
    Object.defineProperty(plugin, property, {
      get() {
        throw new Error(`${property} getter broke`);
      },
    });
    return plugin;
  };

  it.each([["name"], ["version"], ["description"], ["listActions"], ["executeAction"]])(
    "is refused with CORTEX_INVALID_PLUGIN when %s throws, never an uncoded error",
    (property) => {
      const { error, registry } = register(throwing(property));
      expect(error?.code).toBe("CORTEX_INVALID_PLUGIN");
      expect(error?.message).toContain(`${property} getter broke`);
      expect(registry.names()).toEqual([]);
    },
  );

  it("is refused when an action's properties throw", () => {
    const action = Object.defineProperty({ name: "a", description: "" }, "tier", {
      get() {
        throw new Error("tier getter broke");
      },
      enumerable: true,
    });
    const { error } = register(withActions([action]));
    expect(error?.code).toBe("CORTEX_INVALID_PLUGIN");
    expect(error?.message).toContain("tier getter broke");
  });
});
