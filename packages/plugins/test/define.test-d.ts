import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { ActionTier, definePlugin, type ActionContext, type Plugin } from "../src/index.js";

describe("definePlugin types", () => {
  it("infers input in run and preview, and returns a Plugin with typed actions", () => {
    const plugin = definePlugin({
      name: "notes",
      version: "1.0.0",
      description: "Notes",
      credentials: {
        notes_token: { description: "API token", secret: true, required: true },
        notes_folder: { description: "Folder", secret: false, required: false },
      },
      setup({ credentials }) {
        expectTypeOf(credentials.notes_token).toEqualTypeOf<string>();
        expectTypeOf(credentials.notes_folder).toEqualTypeOf<string | undefined>();
      },
      actions: {
        add: {
          description: "Add a note",
          tier: ActionTier.CONFIRM,
          input: z.object({ text: z.string(), pinned: z.boolean().default(false) }),
          output: z.object({ id: z.number() }),
          examples: [{ text: "buy milk" }],
          preview: (input) => {
            expectTypeOf(input).toEqualTypeOf<{ text: string; pinned: boolean }>();
            return { summary: `add "${input.text}"` };
          },
          run: async (input, ctx) => {
            expectTypeOf(input.text).toEqualTypeOf<string>();
            expectTypeOf(ctx).toEqualTypeOf<ActionContext>();
            return { id: 1 };
          },
        },
        find: {
          description: "Find notes",
          tier: ActionTier.AUTO,
          input: v.object({ query: v.string(), limit: v.optional(v.number()) }),
          run: (input) => {
            expectTypeOf(input).toEqualTypeOf<{ query: string; limit?: number | undefined }>();
            return [];
          },
        },
        raw: {
          description: "A JSON Schema action",
          tier: ActionTier.AUTO,
          input: { type: "object", properties: { n: { type: "number" } } },
          run: (input) => {
            expectTypeOf(input).toEqualTypeOf<Record<string, unknown>>();
            return input.n;
          },
        },
      },
    });
    expectTypeOf(plugin).toExtend<Plugin>();
    expectTypeOf<keyof typeof plugin.actions>().toEqualTypeOf<"add" | "find" | "raw">();
  });

  it("refuses a wrong property on input", () => {
    definePlugin({
      name: "notes",
      version: "1.0.0",
      description: "Notes",
      actions: {
        add: {
          description: "Add",
          tier: ActionTier.AUTO,
          input: z.object({ number: z.number() }),
          // @ts-expect-error -- `numbr` is not a property of the input
          run: (input) => String(input.numbr),
        },
      },
    });
  });

  it("refuses a return that does not match output", () => {
    definePlugin({
      name: "notes",
      version: "1.0.0",
      description: "Notes",
      actions: {
        add: {
          description: "Add",
          tier: ActionTier.AUTO,
          input: z.object({ text: z.string() }),
          output: z.object({ id: z.number() }),
          // @ts-expect-error -- `id` must be a number
          run: () => ({ id: "one" }),
        },
      },
    });
  });

  it("refuses an example that does not match input", () => {
    definePlugin({
      name: "notes",
      version: "1.0.0",
      description: "Notes",
      actions: {
        add: {
          description: "Add",
          tier: ActionTier.AUTO,
          input: z.object({ text: z.string() }),
          // @ts-expect-error -- `text` must be a string
          examples: [{ text: 1 }],
          run: () => undefined,
        },
      },
    });
  });

  it("refuses an action key that does not exist", () => {
    const plugin = definePlugin({
      name: "notes",
      version: "1.0.0",
      description: "Notes",
      actions: {
        list_issues: { description: "List", tier: ActionTier.AUTO, input: z.object({}), run: () => [] },
      },
    });
    expectTypeOf(plugin.actions.list_issues.description).toEqualTypeOf<string>();
    // @ts-expect-error -- there is no action `list_isues`
    void plugin.actions.list_isues;
  });

  it("refuses an unknown tier and an optional credential read as a plain string", () => {
    definePlugin({
      name: "notes",
      version: "1.0.0",
      description: "Notes",
      credentials: { folder: { description: "Folder", required: false } },
      setup({ credentials }) {
        // @ts-expect-error -- an optional credential may be undefined
        const folder: string = credentials.folder;
        void folder;
      },
      actions: {
        // @ts-expect-error -- "SOMETIMES" is not a tier
        add: { description: "Add", tier: "SOMETIMES", input: z.object({}), run: () => undefined },
      },
    });
  });
});
