import { toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { StandardSchemaV1 } from "@cortex/primitives";
import {
  ActionTier,
  CortexError,
  definePlugin,
  MemoryBroker,
  type Plugin,
  type ValidationError,
} from "../src/index.js";
import { makePlugin, makeRegistry } from "./fixtures.js";

class NoteMissingError extends CortexError<"NOTES_MISSING"> {
  constructor(id: number) {
    super("NOTES_MISSING", `note ${id} does not exist`);
  }
}

/** The same notes plugin for any schema library: a store, an AUTO `find` and a CONFIRM `add`. */
function notes(
  addInput: StandardSchemaV1<unknown, { text: string }>,
  findInput: StandardSchemaV1<unknown, { id: number; limit?: number }>,
) {
  const store: { id: number; text: string }[] = [];
  let token: string | undefined;
  const plugin = definePlugin({
    name: "notes",
    version: "1.0.0",
    description: "Notes",
    credentials: { notes_token: { description: "API token" } },
    setup({ credentials }) {
      token = credentials.notes_token;
    },
    teardown() {
      token = undefined;
    },
    actions: {
      add: {
        description: "Add a note",
        tier: ActionTier.CONFIRM,
        input: addInput,
        examples: [{ text: "buy milk" }],
        preview: (input) => ({ summary: `add "${String(input.text)}"` }),
        run: (input) => {
          store.push({ id: store.length + 1, text: String(input.text) });
          return { id: store.length, token: token === undefined ? "none" : "set" };
        },
      },
      find: {
        description: "Find a note",
        tier: ActionTier.AUTO,
        input: findInput,
        idempotent: true,
        readOnly: true,
        examples: [{ id: 1 }],
        run: (input) => {
          const note = store.find((n) => n.id === input.id);
          if (note === undefined) throw new NoteMissingError(Number(input.id));
          return note;
        },
      },
    },
  });
  return { plugin, store };
}

const zodNotes = () =>
  notes(z.object({ text: z.string().min(1) }), z.object({ id: z.number().int(), limit: z.number().default(10) }));
const valibotNotes = () =>
  notes(
    toStandardJsonSchema(v.object({ text: v.pipe(v.string(), v.minLength(1)) })),
    toStandardJsonSchema(v.object({ id: v.pipe(v.number(), v.integer()), limit: v.optional(v.number(), 10) })),
  );
/** The same plugin in the class form, its schemas written by hand. */
const classNotes = (): Plugin =>
  makePlugin({
    name: "notes",
    actions: [
      {
        name: "add",
        description: "Add a note",
        tier: ActionTier.CONFIRM,
        parameters: {
          type: "object",
          properties: { text: { type: "string", minLength: 1 } },
          required: ["text"],
        },
      },
      {
        name: "find",
        description: "Find a note",
        tier: ActionTier.AUTO,
        parameters: {
          type: "object",
          properties: { id: { type: "integer" }, limit: { type: "number" } },
          required: ["id"],
        },
      },
    ],
  });

describe.each([
  ["zod", zodNotes],
  ["valibot", valibotNotes],
])("definePlugin with %s", (_library, make) => {
  it("registers with derived JSON Schemas, flags and examples, and runs through the registry", async () => {
    const { registry } = makeRegistry({
      broker: new MemoryBroker({ notes_token: "t0ken" }),
      approver: () => ({ approved: true }),
    });
    const { plugin, store } = make();
    registry.register(plugin);
    const [add, find] = registry.listActions();
    expect(add).toMatchObject({ name: "add", tier: "CONFIRM", examples: [{ text: "buy milk" }] });
    expect(add?.parameters).toMatchObject({
      type: "object",
      properties: { text: { type: "string" } },
      required: ["text"],
    });
    expect(find).toMatchObject({ name: "find", idempotent: true, readOnly: true });
    expect(add?.idempotent).toBeUndefined();

    await expect(registry.execute("notes", "add", { text: "milk" })).resolves.toEqual({
      success: true,
      data: { id: 1, token: "set" },
    });
    expect(store).toEqual([{ id: 1, text: "milk" }]);
    await expect(registry.execute("notes", "find", { id: 1 })).resolves.toEqual({
      success: true,
      data: { id: 1, text: "milk" },
    });
  });

  it("fails a run that throws a CortexError with its code, and one that throws anything else as CORTEX_PLUGIN_ERROR", async () => {
    const { registry } = makeRegistry({ broker: new MemoryBroker({ notes_token: "n0tes-t0ken-42" }) });
    const { plugin } = make();
    registry.register(plugin);
    await expect(registry.execute("notes", "find", { id: 7 })).resolves.toEqual({
      success: false,
      code: "NOTES_MISSING",
      error: "notes.find: note 7 does not exist",
    });
    const broken = definePlugin({
      name: "broken",
      version: "1.0.0",
      description: "Throws",
      actions: {
        go: {
          description: "Go",
          tier: ActionTier.AUTO,
          input: z.object({}),
          run: () => {
            throw new TypeError("boom");
          },
        },
      },
    });
    registry.register(broken);
    await expect(registry.execute("broken", "go", {})).resolves.toMatchObject({
      success: false,
      code: "CORTEX_PLUGIN_ERROR",
      error: expect.stringContaining("boom") as unknown,
    });
  });

  it("validates params exactly as the class form does: one ajv pass, every issue with its pointer", async () => {
    const typed = makeRegistry({ broker: new MemoryBroker({ notes_token: "n0tes-t0ken-42" }) }).registry;
    const plain = makeRegistry().registry;
    typed.register(make().plugin);
    plain.register(classNotes());
    for (const params of [{}, { text: "" }, { text: 3, extra: true }, { id: "one", limit: "ten" }]) {
      for (const action of ["add", "find"]) {
        const issues = (registry: typeof typed) =>
          registry.execute("notes", action, params, { approval: { id: "x", approved: false } }).then(
            () => [],
            (error: ValidationError) => error.issues,
          );
        const [fromTyped, fromClass] = await Promise.all([issues(typed), issues(plain)]);
        expect(fromTyped, `${action} ${JSON.stringify(params)}`).toEqual(fromClass);
      }
    }
    await expect(typed.execute("notes", "find", { id: "one" })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
      issues: [{ path: "/id", message: expect.stringMatching(/integer/) as unknown }],
    });
  });

  it("puts the preview in the approval request, and serves registry.preview", async () => {
    const requests: unknown[] = [];
    const { registry } = makeRegistry({
      broker: new MemoryBroker({ notes_token: "n0tes-t0ken-42" }),
      approver: (request) => {
        requests.push(request);
        return { approved: false };
      },
    });
    const { plugin, store } = make();
    registry.register(plugin);
    await expect(registry.preview("notes", "add", { text: "milk" })).resolves.toEqual({ summary: 'add "milk"' });
    await expect(registry.preview("notes", "find", { id: 1 })).resolves.toBeUndefined();
    await expect(registry.execute("notes", "add", { text: "tea" })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_DENIED",
    });
    expect(requests).toMatchObject([{ action: "add", params: { text: "tea" }, preview: { summary: 'add "tea"' } }]);
    expect(store).toEqual([]);
  });
});

describe("definePlugin", () => {
  it("hands run the schema's parsed value (defaults applied)", async () => {
    let seen: unknown;
    const plugin = definePlugin({
      name: "defaults",
      version: "1.0.0",
      description: "Defaults",
      actions: {
        list: {
          description: "List",
          tier: ActionTier.AUTO,
          input: z.object({ limit: z.number().default(10) }),
          run: (input) => {
            seen = input;
            return input.limit;
          },
        },
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    await expect(registry.execute("defaults", "list", {})).resolves.toEqual({ success: true, data: 10 });
    expect(seen).toEqual({ limit: 10 });
  });

  it("accepts arktype schemas and plain JSON Schema objects", async () => {
    const plugin = definePlugin({
      name: "mixed",
      version: "1.0.0",
      description: "Mixed",
      actions: {
        ark: { description: "Ark", tier: ActionTier.AUTO, input: type({ n: "number" }), run: (input) => input.n * 2 },
        json: {
          description: "JSON",
          tier: ActionTier.AUTO,
          input: { type: "object", properties: { s: { type: "string" } }, required: ["s"] },
          run: (input) => input.s,
        },
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    await expect(registry.execute("mixed", "ark", { n: 2 })).resolves.toEqual({ success: true, data: 4 });
    await expect(registry.execute("mixed", "json", { s: "x" })).resolves.toEqual({ success: true, data: "x" });
    await expect(registry.execute("mixed", "json", {})).rejects.toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
  });

  it("refuses at registration a schema it cannot convert, naming the action", () => {
    const plugin = definePlugin({
      name: "raw",
      version: "1.0.0",
      description: "Raw valibot",
      actions: {
        add: { description: "Add", tier: ActionTier.AUTO, input: v.object({ a: v.string() }), run: () => undefined },
      },
    });
    const { registry } = makeRegistry();
    expect(() => registry.register(plugin)).toThrow(
      expect.objectContaining({
        code: "CORTEX_INVALID_SCHEMA",
        action: "add",
        message: expect.stringContaining("toStandardJsonSchema") as unknown,
      }),
    );
    expect(registry.names()).toEqual([]);
  });

  it("refuses at registration an example that breaks its schema, unless examples are not checked", () => {
    const bad = () =>
      definePlugin({
        name: "bad",
        version: "1.0.0",
        description: "Bad example",
        actions: {
          add: {
            description: "Add",
            tier: ActionTier.AUTO,
            input: z.object({ text: z.string() }),
            // A cast stands for a plugin built without the type check (JavaScript, or a schema that changed).
            examples: [{ text: "ok" }, { text: 5 } as unknown as { text: string }],
            run: () => undefined,
          },
        },
      });
    expect(() => makeRegistry({ checkExamples: true }).registry.register(bad())).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_EXAMPLE", action: "add", index: 1 }),
    );
    expect(() => makeRegistry({ checkExamples: false }).registry.register(bad())).not.toThrow();
  });

  it("answers an unknown action with CORTEX_ACTION_NOT_FOUND, and runs without a registry", async () => {
    const { plugin } = zodNotes();
    await expect(plugin.executeAction("nope", {})).resolves.toMatchObject({
      success: false,
      code: "CORTEX_ACTION_NOT_FOUND",
    });
    await plugin.setup(new MemoryBroker({ notes_token: "n0tes-t0ken-42" }));
    await expect(plugin.executeAction("add", { text: "x" })).resolves.toEqual({
      success: true,
      data: { id: 1, token: "set" },
    });
    await expect(plugin.executeAction("add", { text: 1 })).resolves.toMatchObject({
      success: false,
      code: "CORTEX_VALIDATION_FAILED",
    });
    await expect(plugin.health()).resolves.toEqual({ plugin: "notes", status: "HEALTHY" });
    await plugin.teardown();
    await expect(plugin.health()).resolves.toEqual({ plugin: "notes", status: "UNKNOWN" });
  });

  it("gives setup every declared credential the broker has, leaving out missing optional ones", async () => {
    let got: unknown;
    const plugin = definePlugin({
      name: "creds",
      version: "1.0.0",
      description: "Credentials",
      credentials: {
        token: { description: "Token" },
        folder: { description: "Folder", secret: false, required: false },
        region: { description: "Region", secret: false, required: false },
      },
      setup: ({ credentials }) => void (got = credentials),
      actions: {},
    });
    const { registry } = makeRegistry({ broker: new MemoryBroker({ token: "s3cret", folder: "/tmp/x" }) });
    registry.register(plugin);
    await registry.setupAllPending();
    expect(got).toEqual({ token: "s3cret", folder: "/tmp/x" });
  });
});
