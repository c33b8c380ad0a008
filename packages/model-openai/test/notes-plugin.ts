import { ActionTier, PluginHealthStatus, PluginRegistry, silentLogger, type Plugin } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";

/** The one parameter schema of the notes plugin's `add`. */
export const parameters = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };

/** A registry with one AUTO plugin, `notes`, whose `add` records each call in `calls`. */
export function notesRegistry(calls: unknown[]): PluginRegistry {
  const plugin: Plugin = {
    name: "notes",
    version: "1.0.0",
    description: "Keeps notes",
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    listActions: () => [{ name: "add", description: "Add a note", tier: ActionTier.AUTO, parameters }],
    executeAction: (action, params) => {
      calls.push({ plugin: "notes", action, params });
      return Promise.resolve({ success: true, data: { count: 1 } });
    },
    health: () => Promise.resolve({ plugin: "notes", status: PluginHealthStatus.HEALTHY }),
  };
  const registry = new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger });
  registry.register(plugin);
  return registry;
}
