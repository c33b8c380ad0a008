import type { ActionTier, JsonSchema, PluginRegistry } from "@cortex/plugins";
import { isPlainObject, messageOf, type Logger } from "@cortex/primitives";

/** MCP tool annotations `serveMcp` derives from a tier. */
export interface ServedAnnotations {
  readonly title: string;
  readonly readOnlyHint: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
}

/** One registered action as an MCP tool. */
export interface ServedTool {
  /** `<plugin>__<action>`, the name Cortex gives the tool everywhere. */
  readonly name: string;
  readonly plugin: string;
  readonly action: string;
  readonly tier: ActionTier;
  readonly description: string;
  readonly inputSchema: JsonSchema & { type: "object" };
  readonly annotations: ServedAnnotations;
}

/** Which actions `serveMcp` offers and how it describes them. */
export interface ToolSelection {
  /** Offer only these plugins or `<plugin>__<action>` tools; default every registered action. */
  readonly tools?: readonly string[] | undefined;
  /** Tools (`<plugin>__<action>`) the host declares read-only, besides actions whose info says `readOnly: true`. */
  readonly readOnly?: readonly string[] | undefined;
}

const TIER_NOTE: Record<ActionTier, string> = {
  AUTO: "",
  CONFIRM: " [CONFIRM: runs only after the user approves this exact call]",
  ADMIN: " [ADMIN: runs only for an authorized principal, after the user approves this exact call]",
};

/**
 * The flags (`readOnly`, `idempotent`) of every action's own info, read from
 * each plugin once per listing, since the registry keeps only the contract
 * fields. A plugin whose `listActions()` throws has no flags.
 */
function actionFlags(
  registry: PluginRegistry,
  plugins: Iterable<string>,
): Map<string, { readOnly: boolean; idempotent: boolean }> {
  const flags = new Map<string, { readOnly: boolean; idempotent: boolean }>();
  for (const plugin of plugins) {
    try {
      for (const info of registry.get(plugin)?.listActions() ?? []) {
        const raw = info as unknown as Record<string, unknown>;
        flags.set(`${plugin}__${info.name}`, { readOnly: raw.readOnly === true, idempotent: raw.idempotent === true });
      }
    } catch {
      // No flags: the action is announced without read-only or idempotent hints.
    }
  }
  return flags;
}

/**
 * Every registered action (narrowed by `selection.tools`) as an MCP tool.
 * Annotations follow the tier, so a client that reads them is never told a
 * gated tool is safe: CONFIRM and ADMIN tools are `destructiveHint: true`;
 * an AUTO tool is `readOnlyHint: true` only when its plugin says so
 * (`readOnly: true` in its action info) or the host lists it in
 * `selection.readOnly`.
 */
export function servedTools(registry: PluginRegistry, selection: ToolSelection): ServedTool[] {
  const wanted = selection.tools === undefined ? undefined : new Set(selection.tools);
  const readOnly = new Set(selection.readOnly ?? []);
  const actions = registry
    .listActions()
    .filter((a) => wanted === undefined || wanted.has(a.plugin) || wanted.has(`${a.plugin}__${a.name}`));
  const flags = actionFlags(registry, new Set(actions.map((a) => a.plugin)));
  const tools: ServedTool[] = [];
  for (const action of actions) {
    const name = `${action.plugin}__${action.name}`;
    const flag = flags.get(name);
    const schema = isPlainObject(action.parameters) ? action.parameters : {};
    const gated = action.tier !== "AUTO";
    const isReadOnly = !gated && (readOnly.has(name) || flag?.readOnly === true);
    tools.push({
      name,
      plugin: action.plugin,
      action: action.name,
      tier: action.tier,
      description: `${action.description}${TIER_NOTE[action.tier]}`,
      inputSchema: { ...schema, type: "object" },
      annotations: {
        title: `${action.plugin}: ${action.name}`,
        readOnlyHint: isReadOnly,
        ...(gated ? { destructiveHint: true } : isReadOnly ? { destructiveHint: false } : {}),
        ...(flag?.idempotent === true ? { idempotentHint: true } : {}),
      },
    });
  }
  return tools;
}

/**
 * Before serving: sets up the pending plugins in the selection that list
 * no action until set up (an MCP server plugin that was never preloaded),
 * so their tools are served. Never rejects: a failed setup is logged and
 * that plugin serves no tools. Other plugins keep their lazy setup.
 */
export async function setUpUnlisted(registry: PluginRegistry, selection: ToolSelection, logger: Logger): Promise<void> {
  const wanted = selection.tools;
  const offering = new Set(registry.listActions().map((a) => a.plugin));
  const names = registry
    .names()
    .filter((name) => registry.state(name) === "pending" && !offering.has(name))
    .filter((name) => wanted === undefined || wanted.some((t) => t === name || t.startsWith(`${name}__`)));
  if (names.length === 0) return;
  try {
    const { failed } = await registry.setupPending(names);
    for (const { plugin } of failed) logger.warn(`plugin "${plugin}" serves no tools: its setup failed`, { plugin });
  } catch (error) {
    logger.warn(`setting up plugins to serve failed: ${messageOf(error)}`);
  }
}
