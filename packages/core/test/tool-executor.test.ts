import { PluginRegistry, silentLogger, type ExecuteOptions } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { describe, expect, it } from "vitest";
import { autoPlugin, call, setup } from "./support.js";

const circular: Record<string, unknown> = { name: "loop" };
circular.self = circular;

/** Data JSON cannot hold, by action. */
const ODD_DATA: Record<string, () => unknown> = {
  bigint: () => ({ total: 10n }),
  circular: () => circular,
  tojson: () => ({
    toJSON() {
      throw new Error("cannot serialize");
    },
  }),
};

/** A plugin whose actions succeed with data JSON cannot hold. */
const oddPlugin = () =>
  autoPlugin(
    "odd",
    Object.fromEntries(
      Object.entries(ODD_DATA).map(([action, data]) => [
        action,
        () => Promise.resolve({ success: true, data: data() }),
      ]),
    ),
  );

/** A registry that hands a plugin's data through unchecked, as one without the registry's own check would. */
class UncheckedRegistry extends PluginRegistry {
  override async execute(plugin: string, action: string, params: Record<string, unknown>, options?: ExecuteOptions) {
    if (plugin === "odd") return { success: true, data: ODD_DATA[action]!() };
    return super.execute(plugin, action, params, options);
  }
}

const steps = [
  { toolCalls: Object.keys(ODD_DATA).map((action) => ({ name: `odd__${action}`, arguments: {} })) },
  { content: "carried on" },
];

describe("plugin data that JSON cannot hold", () => {
  it.each([
    ["through the registry", PluginRegistry],
    ["handed through unchecked", UncheckedRegistry],
  ])("is a coded tool failure the model is told, never a failed run (%s)", async (_, Registry) => {
    const registry = new Registry({ broker: new FakeBroker(), logger: silentLogger });
    registry.register(oddPlugin());
    const { engine, model, recorder } = setup(steps, { plugins: registry });
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed", output: "carried on" });
    const failures = recorder.ofHook("toolFailed").map((e) => e.error as { code: string });
    expect(failures).toHaveLength(3);
    for (const { code } of failures) expect(code).toMatch(/^CORTEX_/);
    if (Registry === UncheckedRegistry)
      expect(new Set(failures.map((f) => f.code))).toEqual(new Set(["CORTEX_RESULT_NOT_JSON"]));
    expect(recorder.count("toolCompleted")).toBe(0);
    const told = model.requests[1]!.messages.filter((m) => m.role === "tool");
    expect(told.map((m) => (JSON.parse(m.content) as { ok: boolean }).ok)).toEqual([false, false, false]);
  });
});

describe("the toolCalled event", () => {
  it("carries a copy of the arguments, and only when an extension listens", async () => {
    const seen: unknown[] = [];
    const listener = { name: "listener", onToolCalled: (e: { args: unknown }) => void seen.push(e.args) };
    const { engine, plugin } = setup([call("notes__add", { text: "a" }), { content: "done" }], {
      extensions: [listener],
    });
    await engine.run("assistant", "x");
    expect(seen).toEqual([{ text: "a" }]);
    expect(seen[0]).not.toBe(plugin.calls[0]!.params);
  });
});
