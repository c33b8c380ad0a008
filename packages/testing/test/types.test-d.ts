import type { HookEvent, ToolCalledEvent } from "@cortex/hooks";
import type { CredentialBroker, PluginResult } from "@cortex/plugins";
import type { ModelClient, ModelRequest, ModelResponse } from "@cortex/primitives";
import { expectTypeOf, test } from "vitest";
import {
  createPluginHarness,
  FakeBroker,
  RecordingExtension,
  ScriptedModel,
  type ContractCheckName,
  type ContractReport,
  type PluginHarness,
  type ScriptedRequest,
  type ScriptStep,
} from "../src/index.js";
import { usePluginHarness } from "../src/vitest.js";
import { NotesPlugin } from "./fixtures/broken-plugin.js";

test("the harness keeps the plugin's own type", async () => {
  const harness = await createPluginHarness(new NotesPlugin(), { credentials: { notes_token: "t" } });
  expectTypeOf(harness.plugin).toEqualTypeOf<NotesPlugin>();
  expectTypeOf(harness.broker).toEqualTypeOf<FakeBroker>();
  expectTypeOf(harness.execute("list")).toEqualTypeOf<Promise<PluginResult>>();
  // @ts-expect-error params are an object, as the registry requires
  void harness.execute("list", "not an object");
  // @ts-expect-error approval is given with `approve`, the id is computed for you
  void harness.execute("add", {}, { approval: { id: "x", approved: true } });
  expectTypeOf(usePluginHarness(() => new NotesPlugin())).toEqualTypeOf<() => PluginHarness<NotesPlugin>>();
});

test("FakeBroker is a CredentialBroker", () => {
  expectTypeOf<FakeBroker>().toMatchTypeOf<CredentialBroker>();
  expectTypeOf(new FakeBroker().requestedKeys).toEqualTypeOf<string[]>();
});

test("RecordingExtension.ofHook is typed by the hook", () => {
  expectTypeOf(new RecordingExtension().ofHook("toolCalled")).toEqualTypeOf<ToolCalledEvent[]>();
  // @ts-expect-error not a hook
  new RecordingExtension().ofHook("toolCall");
});

test("contract check names are a closed set", () => {
  expectTypeOf<ContractReport["checks"][number]["name"]>().toEqualTypeOf<ContractCheckName>();
  expectTypeOf<"approval">().toMatchTypeOf<ContractCheckName>();
  expectTypeOf<"nope">().not.toMatchTypeOf<ContractCheckName>();
});

test("RecordingExtension exposes every hook method, typed by its event", () => {
  const recorder = new RecordingExtension();
  expectTypeOf(recorder.onRunStarted).parameter(0).toEqualTypeOf<HookEvent<"runStarted">>();
  expectTypeOf(recorder.onShutdown).toBeFunction();
  // @ts-expect-error not a hook of the table
  void recorder.onRunStart;
});

test("ScriptedModel is a ModelClient of @cortex/primitives, scripted with its responses", () => {
  expectTypeOf(new ScriptedModel([])).toExtend<ModelClient>();
  expectTypeOf<ScriptedRequest>().toEqualTypeOf<ModelRequest>();
  expectTypeOf(new ScriptedModel([]).generate).returns.toEqualTypeOf<Promise<ModelResponse>>();
  expectTypeOf<{ content: "hi"; usage: { inputTokens: 1; outputTokens: 2 } }>().toExtend<ScriptStep>();
  // @ts-expect-error a step is a response, not a string
  new ScriptedModel(["hi"]);
});

test("the harness of a typed plugin knows its action names", async () => {
  const { ActionTier, definePlugin } = await import("@cortex/plugins");
  const { z } = await import("zod");
  const plugin = definePlugin({
    name: "issues",
    version: "1.0.0",
    description: "Issues",
    actions: {
      list_issues: { description: "List", tier: ActionTier.AUTO, input: z.object({}), run: () => [] },
    },
  });
  const harness = await createPluginHarness(plugin);
  expectTypeOf(harness.execute("list_issues")).toEqualTypeOf<Promise<PluginResult>>();
  // @ts-expect-error -- there is no action `list_isues`
  void harness.execute("list_isues");
  // @ts-expect-error -- nor a preview of it
  void harness.preview("list_isues");
});
