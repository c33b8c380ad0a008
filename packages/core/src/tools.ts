import type { ActionTier } from "@cortex/plugins";
import type { JsonSchema, ToolDefinition } from "./model.js";

/** Separates plugin and action in a tool name: `calendar__list_events`. */
export const TOOL_SEPARATOR = "__";

const PROVIDER_SAFE = /^[a-zA-Z0-9_-]{1,64}$/;
const EMPTY_PARAMETERS: JsonSchema = { type: "object", properties: {} };

/** The name a plugin action has everywhere: in what the model sees, in hooks and in audit records. */
export function toolName(plugin: string, action: string): string {
  return `${plugin}${TOOL_SEPARATOR}${action}`;
}

/** Splits `<plugin>__<action>`; undefined when the name has no separator. */
export function parseToolName(name: string): { plugin: string; action: string } | undefined {
  const at = name.indexOf(TOOL_SEPARATOR);
  if (at <= 0 || at + TOOL_SEPARATOR.length >= name.length) return undefined;
  return { plugin: name.slice(0, at), action: name.slice(at + TOOL_SEPARATOR.length) };
}

/** A plugin action as the registry lists it. */
export interface ActionListing {
  plugin: string;
  name: string;
  description: string;
  tier: ActionTier;
  parameters?: Record<string, unknown>;
}

/** A tool the engine can offer: the action, its tier, and what the model sees. */
export interface ToolEntry {
  plugin: string;
  action: string;
  tier: ActionTier;
  definition: ToolDefinition;
  /** Set for tools the engine itself provides (the handoff tool), which never reach the registry. */
  builtin?: "handoff";
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/**
 * Compiles an agent's allowed-tool patterns into a predicate. A pattern is
 * `plugin.action`, `plugin` (all its actions) or `plugin__action`; `*`
 * matches any run of characters in either part. `undefined` allows every
 * tool; an empty list allows none.
 */
export function compileToolFilter(
  patterns: readonly string[] | undefined,
): (plugin: string, action: string) => boolean {
  if (patterns === undefined) return () => true;
  const matchers = patterns.map((pattern) => {
    const separator = pattern.includes(TOOL_SEPARATOR) ? TOOL_SEPARATOR : ".";
    const at = pattern.indexOf(separator);
    const plugin = globToRegExp(at === -1 ? pattern : pattern.slice(0, at));
    const action = globToRegExp(at === -1 ? "*" : pattern.slice(at + separator.length));
    return (p: string, a: string) => plugin.test(p) && action.test(a);
  });
  return (plugin, action) => matchers.some((match) => match(plugin, action));
}

/** The plugin name of the engine's own tools (`cortex__handoff`); a plugin with this name is never offered. */
export const RESERVED_PLUGIN = "cortex";

/**
 * The tools an agent may use, by tool name. Actions whose tool name is not
 * provider-safe, and actions of a plugin named `cortex`, are left out and
 * reported through `onSkipped`.
 */
export function buildToolSet(
  actions: readonly ActionListing[],
  allowed: (plugin: string, action: string) => boolean,
  onSkipped?: (name: string, reason: string) => void,
): Map<string, ToolEntry> {
  const tools = new Map<string, ToolEntry>();
  for (const action of actions) {
    if (!allowed(action.plugin, action.name)) continue;
    const name = toolName(action.plugin, action.name);
    if (action.plugin === RESERVED_PLUGIN) {
      onSkipped?.(name, `the plugin name "${RESERVED_PLUGIN}" is reserved for the engine's own tools`);
      continue;
    }
    if (!PROVIDER_SAFE.test(name)) {
      onSkipped?.(name, "its name is not accepted by model providers");
      continue;
    }
    tools.set(name, {
      plugin: action.plugin,
      action: action.name,
      tier: action.tier,
      definition: {
        name,
        description: `${action.description} (${action.tier === "AUTO" ? "runs at once" : `tier ${action.tier}: needs approval`})`,
        parameters: action.parameters ?? EMPTY_PARAMETERS,
      },
    });
  }
  return tools;
}
