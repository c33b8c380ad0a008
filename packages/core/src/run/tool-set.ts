import type { ActionTier } from "@cortex/plugins";
import type { JsonSchema, ToolDefinition } from "@cortex/primitives";
import { roundTrips, toolName } from "./tool-names.js";

const PROVIDER_SAFE = /^[a-zA-Z0-9_-]{1,64}$/;
const EMPTY_PARAMETERS: JsonSchema = { type: "object", properties: {} };

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

/** The plugin name of the engine's own tools (`cortex__handoff`); a plugin with this name is never offered. */
export const RESERVED_PLUGIN = "cortex";

/** Why an action cannot be offered under its tool name, or undefined when it can. */
function unfit(action: ActionListing, name: string): string | undefined {
  if (action.plugin === RESERVED_PLUGIN) {
    return `the plugin name "${RESERVED_PLUGIN}" is reserved for the engine's own tools`;
  }
  if (!PROVIDER_SAFE.test(name)) return "its name is not accepted by model providers";
  if (!roundTrips(action.plugin, action.name)) {
    return `its name does not split back into plugin "${action.plugin}" and action "${action.name}"`;
  }
  return undefined;
}

/**
 * The tools an agent may use, by tool name. An action is left out, and
 * reported through `onSkipped`, when its tool name is not provider-safe,
 * when it does not map back to exactly its plugin and action, or when its
 * plugin is named `cortex`.
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
    const reason = unfit(action, name);
    if (reason !== undefined) {
      onSkipped?.(name, reason);
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
