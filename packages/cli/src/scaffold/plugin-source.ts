import type { PluginNames } from "./naming.js";

/** `src/plugin.ts`: a notebook plugin with an AUTO and a CONFIRM action and an optional broker setting. */
export function pluginTs({ plugin, className, keyPrefix }: PluginNames): string {
  return `import {
  ActionTier,
  PluginHealthStatus,
  isCortexError,
  type CredentialBroker,
  type Plugin,
  type PluginActionInfo,
  type PluginHealthReport,
  type PluginResult,
} from "@cortex/plugins";
import pkg from "../package.json" with { type: "json" };

/** One note of the notebook. */
export interface Note {
  id: string;
  title: string;
  body: string;
  tags: string[];
  createdAt: string;
}

/**
 * Broker key of the optional limit on the number of notes. With the
 * environment broker it is the variable CORTEX_${keyPrefix.toUpperCase()}_MAX_NOTES.
 */
export const MAX_NOTES_KEY = "${keyPrefix}_max_notes";
const DEFAULT_MAX_NOTES = 100;

/**
 * A notebook kept in memory for the lifetime of the host process:
 * \`list_notes\` (AUTO) searches it; \`add_note\` (CONFIRM) writes to it, so
 * each note an agent adds needs a person's approval of that exact note.
 * Discovery constructs this class with no arguments.
 */
export class ${className} implements Plugin {
  /** The key in package.json's \`cortex.plugins\` and the tool prefix (\`${plugin}__add_note\`). */
  readonly name = "${plugin}";
  /** This package's version (tsup inlines package.json at build time). */
  readonly version: string = pkg.version;
  readonly description = "Take notes and find them again by tag or text";
  #notes: Note[] | undefined;
  #maxNotes = DEFAULT_MAX_NOTES;
  #nextId = 1;

  /** Runs once before the first action; the broker is the only source of credentials and settings. */
  async setup(broker: CredentialBroker): Promise<void> {
    this.#maxNotes = await readLimit(broker);
    this.#notes = [];
  }

  /** Drops the notebook; safe to call twice. */
  async teardown(): Promise<void> {
    this.#notes = undefined;
  }

  /** Read once, when the plugin is registered: keep the list the same on every call. */
  listActions(): PluginActionInfo[] {
    return [
      {
        name: "list_notes",
        description: "List notes, newest first, optionally only those with a tag or containing a text",
        tier: ActionTier.AUTO,
        parameters: {
          type: "object",
          properties: {
            tag: { type: "string", minLength: 1, description: "only notes with this tag" },
            query: { type: "string", minLength: 1, description: "only notes whose title or body contains this text (any case)" },
            limit: { type: "integer", minimum: 1, maximum: 100, default: 20, description: "at most this many notes" },
          },
          additionalProperties: false,
        },
      },
      {
        name: "add_note",
        description: "Add a note to the notebook",
        tier: ActionTier.CONFIRM,
        parameters: {
          type: "object",
          properties: {
            title: { type: "string", minLength: 1, maxLength: 200 },
            body: { type: "string", maxLength: 10000 },
            tags: { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true, maxItems: 10 },
          },
          required: ["title", "body"],
          additionalProperties: false,
          // Valid params: shown to models, and \`cortex check-plugin\` uses the first to test the tier.
          examples: [{ title: "Groceries", body: "Milk and eggs", tags: ["home"] }],
        },
      },
    ];
  }

  /** \`params\` already passed the action's schema; an unknown action is a failure result, never a throw. */
  async executeAction(action: string, params: Record<string, unknown>): Promise<PluginResult> {
    const notes = this.#notes;
    if (notes === undefined) return { success: false, error: "the ${plugin} plugin is not set up" };
    switch (action) {
      case "list_notes": {
        const tag = typeof params.tag === "string" ? params.tag : undefined;
        const query = typeof params.query === "string" ? params.query.toLowerCase() : undefined;
        const limit = typeof params.limit === "number" ? params.limit : 20;
        const found = notes
          .filter((n) => tag === undefined || n.tags.includes(tag))
          .filter((n) => query === undefined || \`\${n.title}\\n\${n.body}\`.toLowerCase().includes(query))
          .reverse()
          .slice(0, limit);
        return { success: true, data: { notes: found, total: notes.length } };
      }
      case "add_note": {
        if (notes.length >= this.#maxNotes) {
          return { success: false, error: \`the notebook is full (\${this.#maxNotes} notes); raise \${MAX_NOTES_KEY}\` };
        }
        const note: Note = {
          id: \`note-\${this.#nextId++}\`,
          title: String(params.title),
          body: String(params.body),
          tags: Array.isArray(params.tags) ? params.tags.map(String) : [],
          createdAt: new Date().toISOString(),
        };
        notes.push(note);
        return { success: true, data: { note } };
      }
      default:
        return { success: false, error: \`Unknown action: \${action}\` };
    }
  }

  /** Never triggers setup: the registry asks only plugins that are set up. */
  async health(): Promise<PluginHealthReport> {
    if (this.#notes === undefined) {
      return { plugin: this.name, status: PluginHealthStatus.UNHEALTHY, error: "not set up" };
    }
    return { plugin: this.name, status: PluginHealthStatus.HEALTHY, details: { notes: this.#notes.length, maxNotes: this.#maxNotes } };
  }
}

/** The optional limit: missing means the default; anything but a positive whole number fails setup. */
async function readLimit(broker: CredentialBroker): Promise<number> {
  let raw: string;
  try {
    // A setting, not a secret: the registry then leaves it readable in error text.
    raw = await broker.get(MAX_NOTES_KEY, { secret: false });
  } catch (error) {
    // Only "not configured" falls back; a broker that is down must still fail setup.
    if (isCortexError(error) && error.code === "CORTEX_CREDENTIAL_MISSING") return DEFAULT_MAX_NOTES;
    throw error;
  }
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(\`\${MAX_NOTES_KEY} must be a positive whole number, got "\${raw}"\`);
  }
  return limit;
}
`;
}

/** `test/plugin.test.ts`: harness tests and the contract suite from `@cortex/testing/vitest`. */
export function testTs({ plugin, className, keyPrefix }: PluginNames): string {
  return `import { checkPluginContract } from "@cortex/testing";
import { describePluginContract, usePluginHarness } from "@cortex/testing/vitest";
import { describe, expect, it } from "vitest";
import { ${className} } from "../src/index.js";

const note = { title: "Groceries", body: "Milk and eggs", tags: ["home"] };

// Through a real PluginRegistry: schemas, tiers and approvals apply as in production.
describe("${plugin} plugin", () => {
  const harness = usePluginHarness(() => new ${className}());

  it("adds a note only with an approval of that exact note (CONFIRM)", async () => {
    const h = harness();
    await expect(h.execute("add_note", note)).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    await expect(h.execute("add_note", note, { approve: false, reason: "not now" })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_DENIED",
    });
    await expect(h.execute("add_note", note, { approve: true })).resolves.toMatchObject({
      success: true,
      data: { note: { id: "note-1", title: "Groceries", tags: ["home"] } },
    });
  });

  it("lists notes by tag and by text, newest first (AUTO)", async () => {
    const h = harness();
    await h.execute("add_note", note, { approve: true });
    await h.execute("add_note", { title: "Release", body: "Publish 1.0", tags: ["work"] }, { approve: true });
    const all = await h.execute("list_notes", {});
    expect(all).toMatchObject({ success: true, data: { total: 2, notes: [{ title: "Release" }, { title: "Groceries" }] } });
    expect(await h.execute("list_notes", { tag: "home" })).toMatchObject({ data: { notes: [{ title: "Groceries" }] } });
    expect(await h.execute("list_notes", { query: "PUBLISH" })).toMatchObject({ data: { notes: [{ title: "Release" }] } });
  });

  it("rejects invalid parameters before the plugin runs", async () => {
    await expect(harness().execute("add_note", { title: "" }, { approve: true })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
  });

  it("reports health", async () => {
    await expect(harness().health()).resolves.toMatchObject({ plugin: "${plugin}", status: "HEALTHY" });
  });
});

describe("${plugin} plugin settings", () => {
  // Credentials and settings come from the broker; the harness wraps these in a FakeBroker.
  const harness = usePluginHarness(() => new ${className}(), { credentials: { ${keyPrefix}_max_notes: "1" } });

  it("stops at ${keyPrefix}_max_notes", async () => {
    const h = harness();
    await expect(h.execute("add_note", note, { approve: true })).resolves.toMatchObject({ success: true });
    await expect(h.execute("add_note", note, { approve: true })).resolves.toMatchObject({ success: false });
    expect(h.broker.requestedKeys).toEqual(["${keyPrefix}_max_notes"]);
  });
});

// The checks every Cortex plugin must pass (the same ones \`cortex check-plugin\` runs).
describePluginContract("${plugin} plugin contract", () => new ${className}(), { validParams: { add_note: note } });

it("passes the contract framework-free too", async () => {
  const report = await checkPluginContract(() => new ${className}(), { validParams: { add_note: note } });
  expect(report.checks.filter((c) => !c.passed)).toEqual([]);
});
`;
}
