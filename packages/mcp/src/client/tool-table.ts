import type { ActionTier, JsonSchema, PluginActionInfo } from "@cortex/plugins";
import { isPlainObject, messageOf } from "@cortex/primitives";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { assignActionNames } from "../names.js";
import { isStricter, stricterTier, tierForTool, type TierRules, type ToolHints } from "../tiers.js";

// ajv-formats is CommonJS: its default export arrives wrapped in some module systems.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

/** A tool as the server lists it (the fields the table reads). */
export interface ListedTool {
  readonly name: string;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  readonly inputSchema: unknown;
  readonly annotations?: (ToolHints & { title?: unknown }) | undefined;
}

/** Where one tool stands, as `McpServerPlugin.tools` reports it. */
export interface McpToolStatus {
  /** The tool's name on the server. */
  readonly tool: string;
  /** Its action name, unless it was refused. */
  readonly action?: string;
  /** Its tier now: never laxer than any tier it had before in this plugin's life. */
  readonly tier: ActionTier;
  /** The tier it had when it was first offered through `listActions()`, if it was. */
  readonly offeredTier?: ActionTier;
  /** `active`, `removed` (the server no longer lists it) or `refused` (see `reason`). */
  readonly status: "active" | "removed" | "refused";
  /** Why it was refused. */
  readonly reason?: string;
}

interface ToolRecord {
  tool: string;
  action: string | undefined;
  tier: ActionTier;
  offeredTier: ActionTier | undefined;
  info: PluginActionInfo | undefined;
  status: "active" | "removed" | "refused";
  reason: string | undefined;
}

/** What one update of the tool list changed, by tool name. */
export interface ToolChanges {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

/**
 * The tools of one MCP server and the tier of each, kept for the plugin's
 * whole life: a tool listed again (after `tools/list_changed` or a restart)
 * is judged by the same rules and keeps the stricter of its old and new
 * tier, so a server cannot make a tool laxer by changing its annotations.
 */
export class ToolTable {
  readonly #records = new Map<string, ToolRecord>();
  readonly #rules: TierRules;
  readonly #ajv: Ajv;

  constructor(rules: TierRules) {
    this.#rules = rules;
    this.#ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
    addFormats(this.#ajv);
  }

  /** Replaces the listed tools with `tools` and reports what changed. */
  update(tools: readonly ListedTool[]): ToolChanges {
    const changes: ToolChanges = { added: [], removed: [], changed: [] };
    const listed = tools.filter((t) => typeof t.name === "string" && t.name.length > 0);
    const names = assignActionNames(listed.map((t) => t.name));
    const seen = new Set<string>();
    for (const tool of listed) {
      if (seen.has(tool.name)) continue;
      seen.add(tool.name);
      const previous = this.#records.get(tool.name);
      const record = this.#judge(tool, names.get(tool.name) ?? { refused: "no name" }, previous);
      if (previous === undefined) changes.added.push(tool.name);
      else if (JSON.stringify(previous) !== JSON.stringify(record)) changes.changed.push(tool.name);
      this.#records.set(tool.name, record);
    }
    for (const record of this.#records.values()) {
      if (!seen.has(record.tool) && record.status !== "removed") {
        record.status = "removed";
        changes.removed.push(record.tool);
      }
    }
    return changes;
  }

  /** The action infos of every active tool; a tool offered here for the first time records its tier. */
  actions(): PluginActionInfo[] {
    const infos: PluginActionInfo[] = [];
    for (const record of this.#records.values()) {
      if (record.status !== "active" || record.info === undefined) continue;
      record.offeredTier ??= record.tier;
      infos.push(record.info);
    }
    return infos;
  }

  /**
   * The tool behind an action, or why it may not run: removed or refused
   * tools, tools never offered, and tools whose tier rose since they were
   * offered (the registry still enforces the laxer tier) never run.
   */
  resolve(
    action: string,
  ): { tool: string } | { code: "CORTEX_MCP_TOOL_UNAVAILABLE" | "CORTEX_MCP_TIER_RAISED"; error: string } {
    let found: ToolRecord | undefined;
    for (const record of this.#records.values()) if (record.action === action) found = record;
    if (found?.status !== "active" || found.offeredTier === undefined) {
      const why =
        found?.status === "removed"
          ? "the server no longer offers it"
          : (found?.reason ?? "no tool has this action name");
      return { code: "CORTEX_MCP_TOOL_UNAVAILABLE", error: `action "${action}" is not available: ${why}` };
    }
    if (isStricter(found.tier, found.offeredTier)) {
      return {
        code: "CORTEX_MCP_TIER_RAISED",
        error: `tool "${found.tool}" now needs tier ${found.tier}, but was offered as ${found.offeredTier}; it will not run until the plugin is registered again`,
      };
    }
    return { tool: found.tool };
  }

  /** Every tool ever listed, with its status. */
  statuses(): McpToolStatus[] {
    return [...this.#records.values()].map((r) => ({
      tool: r.tool,
      ...(r.action === undefined ? {} : { action: r.action }),
      tier: r.tier,
      ...(r.offeredTier === undefined ? {} : { offeredTier: r.offeredTier }),
      status: r.status,
      ...(r.reason === undefined ? {} : { reason: r.reason }),
    }));
  }

  #judge(
    tool: ListedTool,
    name: { action: string } | { refused: string },
    previous: ToolRecord | undefined,
  ): ToolRecord {
    const action = "action" in name ? name.action : undefined;
    const computed = tierForTool(tool.name, action ?? tool.name, tool.annotations, this.#rules);
    // Never laxer than before: a server that relabels a tool as read-only keeps its stricter tier.
    const tier = previous === undefined ? computed : stricterTier(previous.tier, computed);
    const base = { tool: tool.name, tier, offeredTier: previous?.offeredTier, info: undefined, reason: undefined };
    if (!("action" in name)) return { ...base, action: undefined, status: "refused", reason: name.refused };
    const schema = this.#schema(tool.inputSchema);
    if (typeof schema === "string") return { ...base, action: name.action, status: "refused", reason: schema };
    const description = [
      tool.description,
      tool.title,
      typeof tool.annotations?.title === "string" ? tool.annotations.title : undefined,
    ].find((d): d is string => typeof d === "string" && d.length > 0);
    return {
      ...base,
      action: name.action,
      status: "active",
      info: Object.freeze({
        name: name.action,
        description: description ?? `MCP tool "${tool.name}"`,
        tier,
        parameters: schema,
      }),
    };
  }

  /** The schema the registry will compile, or why the tool is refused. */
  #schema(raw: unknown): JsonSchema | string {
    if (!isPlainObject(raw)) return "its inputSchema is not a JSON Schema object";
    const schema: JsonSchema = { ...raw };
    // Tool schemas are read as draft-07, the registry's dialect; another dialect's URI would not compile.
    if (typeof schema.$schema === "string" && !DRAFT_07.test(schema.$schema)) delete schema.$schema;
    if (schema.type !== undefined && schema.type !== "object")
      return `its inputSchema has type ${JSON.stringify(schema.type)}, not "object"`;
    if (schema.$async === true) return "its inputSchema is $async";
    try {
      this.#ajv.compile(schema);
      this.#ajv.removeSchema();
    } catch (error) {
      return `its inputSchema does not compile: ${messageOf(error)}`;
    }
    return schema;
  }
}
