/** Separates plugin and action in a tool name: `calendar__list_events`. */
export const TOOL_SEPARATOR = "__";

/** The name a plugin action has everywhere: in what the model sees, in hooks and in audit records. */
export function toolName(plugin: string, action: string): string {
  return `${plugin}${TOOL_SEPARATOR}${action}`;
}

/** Splits `<plugin>__<action>` at the first separator; undefined when the name has none with text on both sides. */
export function parseToolName(name: string): { plugin: string; action: string } | undefined {
  const at = name.indexOf(TOOL_SEPARATOR);
  if (at <= 0 || at + TOOL_SEPARATOR.length >= name.length) return undefined;
  return { plugin: name.slice(0, at), action: name.slice(at + TOOL_SEPARATOR.length) };
}

/** True when the tool name of `plugin` and `action` splits back into exactly them, so it names one action only. */
export function roundTrips(plugin: string, action: string): boolean {
  const parsed = parseToolName(toolName(plugin, action));
  return parsed?.plugin === plugin && parsed.action === action;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/** A pattern's plugin and action globs (see {@link compileToolFilter}). */
function splitPattern(pattern: string): { plugin: string; action: string } {
  const separator = pattern.includes(TOOL_SEPARATOR) ? TOOL_SEPARATOR : ".";
  const at = pattern.indexOf(separator);
  return at === -1
    ? { plugin: pattern, action: "*" }
    : { plugin: pattern.slice(0, at), action: pattern.slice(at + separator.length) };
}

/** One pattern as a predicate on plugin and action (see {@link compileToolFilter}). */
function compilePattern(pattern: string): (plugin: string, action: string) => boolean {
  const parts = splitPattern(pattern);
  const plugin = globToRegExp(parts.plugin);
  const action = globToRegExp(parts.action);
  return (p, a) => plugin.test(p) && action.test(a);
}

/** Whether some pattern's plugin part matches `plugin`, whatever its actions; `undefined` matches every plugin. */
export function compilePluginFilter(patterns: readonly string[] | undefined): (plugin: string) => boolean {
  if (patterns === undefined) return () => true;
  const matchers = patterns.map((pattern) => globToRegExp(splitPattern(pattern).plugin));
  return (plugin) => matchers.some((match) => match.test(plugin));
}

/** The patterns that match none of `actions`: an agent's tools that do not exist. */
export function unmatchedPatterns(
  patterns: readonly string[] | undefined,
  actions: readonly { plugin: string; name: string }[],
): string[] {
  if (patterns === undefined) return [];
  return patterns.filter((pattern) => {
    const matches = compilePattern(pattern);
    return !actions.some((action) => matches(action.plugin, action.name));
  });
}

/**
 * Compiles tool patterns into a predicate. A pattern is `plugin.action`,
 * `plugin` (all its actions) or `plugin__action`; `*` matches any run of
 * characters in either part. `undefined` allows every tool; an empty list
 * allows none.
 */
export function compileToolFilter(
  patterns: readonly string[] | undefined,
): (plugin: string, action: string) => boolean {
  if (patterns === undefined) return () => true;
  const matchers = patterns.map(compilePattern);
  return (plugin, action) => matchers.some((match) => match(plugin, action));
}
