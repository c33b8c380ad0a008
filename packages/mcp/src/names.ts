import { ACTION_NAME_PATTERN } from "@cortex/plugins";

/**
 * The Cortex action name for an MCP tool name. A valid action name
 * (`^[a-zA-Z][a-zA-Z0-9_-]*$`, no `__`, not ending in `_`) is kept as it
 * is; otherwise every character outside `[A-Za-z0-9_-]` becomes `_`, a name
 * that does not start with a letter gets the prefix `t_`, runs of `_` shrink
 * to one, and a trailing `_` is dropped (so `<plugin>__<action>` always
 * splits back into one plugin and one action). The mapping is
 * deterministic; two tools that map to one name are both refused (see
 * {@link assignActionNames}).
 */
export function actionNameFor(toolName: string): string {
  if (isActionName(toolName)) return toolName;
  let name = toolName.replace(/[^A-Za-z0-9_-]/g, "_");
  if (!/^[A-Za-z]/.test(name)) name = `t_${name}`;
  return name.replace(/_{2,}/g, "_").replace(/_$/, "");
}

/** True when `name` is kept as it is: a Cortex action name that does not end in `_`. */
export function isActionName(name: string): boolean {
  return ACTION_NAME_PATTERN.test(name) && !name.includes("__") && !name.endsWith("_");
}

/** What {@link assignActionNames} decided for one tool. */
export type NameAssignment = { action: string } | { refused: string };

/**
 * Action names for a list of tool names: each maps by {@link actionNameFor};
 * every tool whose action name another tool also maps to is refused, so no
 * action ever reaches a tool other than the one it was offered for.
 */
export function assignActionNames(toolNames: readonly string[]): Map<string, NameAssignment> {
  const byAction = new Map<string, string[]>();
  for (const tool of new Set(toolNames)) {
    const action = actionNameFor(tool);
    byAction.set(action, [...(byAction.get(action) ?? []), tool]);
  }
  const result = new Map<string, NameAssignment>();
  for (const [action, tools] of byAction) {
    for (const tool of tools) {
      if (tools.length === 1) result.set(tool, { action });
      else {
        const others = tools
          .filter((t) => t !== tool)
          .sort()
          .map((t) => JSON.stringify(t));
        result.set(tool, { refused: `its action name "${action}" is also the name of tool ${others.join(", ")}` });
      }
    }
  }
  return result;
}
