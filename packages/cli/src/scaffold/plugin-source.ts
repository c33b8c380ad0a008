import type { PluginNames } from "./naming.js";

/**
 * `src/plugin.ts`: a typed plugin (`definePlugin`, zod schemas) keeping
 * items of the plugin's own name, with an AUTO and a CONFIRM action, a
 * preview, examples and a declared optional setting.
 */
export function pluginTs({ plugin, exportName, typeName, keyPrefix }: PluginNames): string {
  return `import { ActionTier, definePlugin } from "@cortex/plugins";
import { z } from "zod";
import pkg from "../package.json" with { type: "json" };

/**
 * Broker key of the optional limit on the number of items. With the
 * environment broker it is the variable CORTEX_${keyPrefix.toUpperCase()}_MAX_ITEMS.
 */
export const MAX_ITEMS_KEY = "${keyPrefix}_max_items";
const DEFAULT_MAX_ITEMS = 100;

/** One item the plugin keeps. */
export const ${typeName}Item = z.object({
  id: z.string(),
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  createdAt: z.string(),
});
/** One item the plugin keeps. */
export type ${typeName}Item = z.infer<typeof ${typeName}Item>;

// The params of each action: the JSON Schema the model sees, the registry's validation
// and the types \`run\` receives all come from these.
const ListInput = z.strictObject({
  tag: z.string().min(1).optional().describe("only items with this tag"),
  query: z.string().min(1).optional().describe("only items whose title or body contains this text (any case)"),
  limit: z.number().int().min(1).max(100).default(20).describe("at most this many items"),
});
const AddInput = z.strictObject({
  title: z.string().min(1).max(200),
  body: z.string().max(10_000),
  tags: z.array(z.string().min(1)).max(10).default([]),
});

/**
 * The "${plugin}" plugin: items kept in memory for the lifetime of the host
 * process. \`list_items\` (AUTO) searches them; \`add_item\` (CONFIRM) adds
 * one, so each item an agent adds needs a person's approval of that exact
 * item. Discovery calls this factory (no arguments) for a fresh plugin.
 */
export function ${exportName}() {
  let items: ${typeName}Item[] | undefined;
  let maxItems = DEFAULT_MAX_ITEMS;
  let nextId = 1;
  return definePlugin({
    name: "${plugin}",
    version: pkg.version,
    description: "${plugin}: keep items and find them again by tag or text",
    credentials: {
      // A setting, not a secret: the registry leaves it readable in error text.
      [MAX_ITEMS_KEY]: { description: "most items kept (default 100)", secret: false, required: false },
    },
    setup({ credentials }) {
      maxItems = readLimit(credentials[MAX_ITEMS_KEY]);
      items = [];
    },
    teardown() {
      items = undefined;
    },
    health: () =>
      items === undefined
        ? { status: "UNHEALTHY", error: "not set up" }
        : { status: "HEALTHY", details: { items: items.length, maxItems } },
    actions: {
      list_items: {
        description: "List items, newest first, optionally only those with a tag or containing a text",
        tier: ActionTier.AUTO,
        input: ListInput,
        examples: [{}, { tag: "home", limit: 5 }],
        readOnly: true,
        idempotent: true,
        run: (input) => {
          const all = ready(items);
          const query = input.query?.toLowerCase();
          const found = all
            .filter((item) => input.tag === undefined || item.tags.includes(input.tag))
            .filter((item) => query === undefined || \`\${item.title}\\n\${item.body}\`.toLowerCase().includes(query))
            .reverse()
            .slice(0, input.limit);
          return { items: found, total: all.length };
        },
      },
      add_item: {
        description: "Add an item",
        tier: ActionTier.CONFIRM,
        input: AddInput,
        output: z.object({ item: ${typeName}Item }),
        examples: [{ title: "Groceries", body: "Milk and eggs", tags: ["home"] }],
        // Shown to the person asked to approve the call; it must not change anything.
        preview: (input) => ({ summary: \`add "\${input.title}" (\${input.tags.length} tag(s))\` }),
        run: (input) => {
          const all = ready(items);
          // A thrown error is a failure result the model sees; a CortexError keeps its code.
          if (all.length >= maxItems) throw new Error(\`the list is full (\${maxItems} items); raise \${MAX_ITEMS_KEY}\`);
          const item = { id: \`item-\${nextId++}\`, ...input, createdAt: new Date().toISOString() };
          all.push(item);
          return { item };
        },
      },
    },
  });
}

function ready(items: ${typeName}Item[] | undefined): ${typeName}Item[] {
  if (items === undefined) throw new Error("the ${plugin} plugin is not set up");
  return items;
}

/** The optional limit: missing means the default; anything but a positive whole number fails setup. */
function readLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MAX_ITEMS;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw new Error(\`\${MAX_ITEMS_KEY} must be a positive whole number, got "\${raw}"\`);
  return limit;
}
`;
}

/** `test/plugin.test.ts`: harness tests and the contract suite from `@cortex/testing/vitest`. */
export function testTs({ plugin, exportName, keyPrefix }: PluginNames): string {
  return `import { checkPluginContract } from "@cortex/testing";
import { describePluginContract, usePluginHarness } from "@cortex/testing/vitest";
import { describe, expect, it } from "vitest";
import { ${exportName} } from "../src/index.js";

const item = { title: "Groceries", body: "Milk and eggs", tags: ["home"] };

// Through a real PluginRegistry: schemas, tiers and approvals apply as in production.
describe("${plugin} plugin", () => {
  const harness = usePluginHarness(() => ${exportName}());

  it("adds an item only with an approval of that exact item (CONFIRM), and previews it", async () => {
    const h = harness();
    await expect(h.preview("add_item", item)).resolves.toEqual({ summary: 'add "Groceries" (1 tag(s))' });
    await expect(h.execute("add_item", item)).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    await expect(h.execute("add_item", item, { approve: false, reason: "not now" })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_DENIED",
    });
    await expect(h.execute("add_item", item, { approve: true })).resolves.toMatchObject({
      success: true,
      data: { item: { id: "item-1", title: "Groceries", tags: ["home"] } },
    });
  });

  it("lists items by tag and by text, newest first (AUTO)", async () => {
    const h = harness();
    await h.execute("add_item", item, { approve: true });
    await h.execute("add_item", { title: "Release", body: "Publish 1.0", tags: ["work"] }, { approve: true });
    const all = await h.execute("list_items", {});
    expect(all).toMatchObject({ success: true, data: { total: 2, items: [{ title: "Release" }, { title: "Groceries" }] } });
    expect(await h.execute("list_items", { tag: "home" })).toMatchObject({ data: { items: [{ title: "Groceries" }] } });
    expect(await h.execute("list_items", { query: "PUBLISH" })).toMatchObject({ data: { items: [{ title: "Release" }] } });
  });

  it("rejects invalid parameters before the plugin runs", async () => {
    await expect(harness().execute("add_item", { title: "" }, { approve: true })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
  });

  it("reports health", async () => {
    await expect(harness().health()).resolves.toMatchObject({ plugin: "${plugin}", status: "HEALTHY" });
  });
});

describe("${plugin} plugin settings", () => {
  // Credentials and settings come from the broker; the harness wraps these in a FakeBroker.
  const harness = usePluginHarness(() => ${exportName}(), { credentials: { ${keyPrefix}_max_items: "1" } });

  it("stops at ${keyPrefix}_max_items", async () => {
    const h = harness();
    await expect(h.execute("add_item", item, { approve: true })).resolves.toMatchObject({ success: true });
    await expect(h.execute("add_item", item, { approve: true })).resolves.toMatchObject({ success: false });
    expect(h.broker.requestedKeys).toEqual(["${keyPrefix}_max_items"]);
  });
});

// The checks every Cortex plugin must pass (the same ones \`cortex check-plugin\` runs).
describePluginContract("${plugin} plugin contract", () => ${exportName}(), { validParams: { add_item: item } });

it("passes the contract framework-free too", async () => {
  const report = await checkPluginContract(() => ${exportName}(), { validParams: { add_item: item } });
  expect(report.checks.filter((c) => !c.passed)).toEqual([]);
});
`;
}
