import { createEngine } from "@cortex/core";
import { ActionTier, definePlugin, MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";
import type { StandardSchemaV1 } from "@cortex/primitives";
import { ScriptedModel } from "@cortex/testing";
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";

// A typed plugin, once with zod and once with valibot, run by the engine
// through the registry: the model sees the derived JSON Schema, a bad call
// comes back to it as a validation failure, a CONFIRM call pauses with its
// preview, and once approved runs with typed input.

interface Inputs {
  add: StandardSchemaV1<unknown, { text: string; pinned: boolean }>;
  find: StandardSchemaV1<unknown, { query: string }>;
}

function notes(inputs: Inputs) {
  const store: { id: number; text: string; pinned: boolean }[] = [];
  const plugin = definePlugin({
    name: "notes",
    version: "1.0.0",
    description: "Notes",
    credentials: { notes_token: { description: "API token" } },
    actions: {
      add: {
        description: "Add a note",
        tier: ActionTier.CONFIRM,
        input: inputs.add,
        examples: [{ text: "buy milk", pinned: false }],
        preview: (input) => ({ summary: `add "${input.text}"${input.pinned ? " (pinned)" : ""}` }),
        run: (input) => {
          store.push({ id: store.length + 1, ...input });
          return { id: store.length };
        },
      },
      find: {
        description: "Find notes",
        tier: ActionTier.AUTO,
        input: inputs.find,
        readOnly: true,
        idempotent: true,
        run: (input) => store.filter((note) => note.text.includes(input.query)),
      },
    },
  });
  return { plugin, store };
}

const libraries: [string, Inputs][] = [
  [
    "zod",
    {
      add: z.object({ text: z.string().min(1), pinned: z.boolean().default(false) }),
      find: z.object({ query: z.string() }),
    },
  ],
  [
    "valibot",
    {
      add: toStandardJsonSchema(
        v.object({ text: v.pipe(v.string(), v.minLength(1)), pinned: v.optional(v.boolean(), false) }),
      ),
      find: toStandardJsonSchema(v.object({ query: v.string() })),
    },
  ],
];

describe.each(libraries)("a typed plugin with %s, run by the engine", (_library, inputs) => {
  it("offers the derived schema, refuses a bad call, pauses with the preview and runs once approved", async () => {
    const { plugin, store } = notes(inputs);
    const registry = new PluginRegistry({
      broker: new MemoryBroker({ notes_token: "n0tes-t0ken" }),
      logger: silentLogger,
    });
    registry.register(plugin);
    const model = new ScriptedModel([
      { toolCalls: [{ id: "c1", name: "notes__add", arguments: { text: "" } }] },
      { toolCalls: [{ id: "c2", name: "notes__add", arguments: { text: "ship it" } }] },
      { toolCalls: [{ id: "c3", name: "notes__find", arguments: { query: "ship" } }] },
      { content: "Added and found." },
    ]);
    const engine = createEngine({
      model,
      plugins: registry,
      agents: [{ id: "assistant", tools: ["notes.*"], maxSteps: 8 }],
    });
    try {
      let result = await engine.run("assistant", "add a note 'ship it' and find it");
      const offered = model.requests[0]?.tools.find((t) => t.name === "notes__add");
      expect(offered?.parameters).toMatchObject({
        type: "object",
        properties: { text: { type: "string", minLength: 1 } },
        required: ["text"],
      });
      // The empty text was refused before the plugin ran, and told to the model.
      expect(JSON.stringify(model.requests[1]?.messages)).toContain("CORTEX_VALIDATION_FAILED");
      expect(result.status).toBe("awaiting_approval");
      const checkpoint = result.checkpoint!;
      expect(checkpoint).toMatchObject({ plugin: "notes", action: "add", args: { text: "ship it" } });
      // What the person approving sees: the registry's preview of the paused call.
      await expect(registry.preview(checkpoint.plugin, checkpoint.action, checkpoint.args)).resolves.toEqual({
        summary: 'add "ship it"',
      });
      expect(store).toEqual([]);
      result = await engine.resolveCheckpoint(checkpoint.id, {
        approved: true,
        decidedBy: "e2e",
        approvalId: checkpoint.approvalId,
      });
      expect(result.status).toBe("completed");
      expect(result.output).toBe("Added and found.");
      // The schema's default was applied: `run` got the parsed value.
      expect(store).toEqual([{ id: 1, text: "ship it", pinned: false }]);
      expect(JSON.stringify(model.requests[3]?.messages)).toContain("ship it");
    } finally {
      await engine.shutdown();
    }
  });
});

it("the two libraries derive the same validation", () => {
  const [zodSchemas, valibotSchemas] = libraries.map(([, inputs]) => {
    const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
    registry.register(notes(inputs).plugin);
    return registry;
  });
  for (const params of [{}, { text: "" }, { text: 1, pinned: "yes" }, { text: "ok" }]) {
    const outcome = (registry: PluginRegistry) => {
      try {
        registry.validate("notes", "add", params);
        return [];
      } catch (error) {
        return (error as { issues: unknown[] }).issues;
      }
    };
    expect(outcome(zodSchemas!), JSON.stringify(params)).toEqual(outcome(valibotSchemas!));
  }
});
