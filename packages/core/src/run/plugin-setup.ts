import type { PluginRegistry, RegisteredAction } from "@cortex/plugins";
import { toErrorInfo, withDeadline, type Logger } from "@cortex/primitives";
import { compilePluginFilter, unmatchedPatterns } from "./tool-names.js";

/**
 * Registered plugins that offer no action and are not set up (pending, or
 * failed at setup): their actions appear only at setup, like an MCP
 * server's tools, so nobody knows them yet.
 */
export function unlistedPlugins(plugins: PluginRegistry, actions: readonly RegisteredAction[]): string[] {
  const offering = new Set(actions.map((action) => action.plugin));
  return plugins.names().filter((name) => {
    const state = plugins.state(name);
    return (state === "pending" || state === "failed") && !offering.has(name);
  });
}

/**
 * The agent's tool patterns that match no registered action, leaving out
 * those whose plugin part matches an {@link unlistedPlugins unlisted plugin}:
 * whether they match anything is known only once it is set up.
 */
export function unmatchedTools(
  plugins: PluginRegistry,
  patterns: readonly string[] | undefined,
  actions: readonly RegisteredAction[],
): string[] {
  const unmatched = unmatchedPatterns(patterns, actions);
  // Every run starts here: the usual answer (all match) costs no look at the plugins' states.
  if (unmatched.length === 0) return unmatched;
  const unlisted = unlistedPlugins(plugins, actions);
  return unmatched.filter((pattern) => !unlisted.some(compilePluginFilter([pattern])));
}

/**
 * Before a run reads its tools: sets up the pending plugins that offer no
 * action yet and whose names the agent's tool patterns can match (other
 * plugins keep their lazy setup). `actions` is what the registry lists now.
 * Resolves to whether it set any plugin up (the registry's actions may then
 * have changed). Never rejects: a plugin whose setup fails is logged and
 * offers the run no tools; an abort of the run ends the wait (the run then
 * fails as aborted).
 */
export async function setUpUnlisted(
  plugins: PluginRegistry,
  patterns: readonly string[] | undefined,
  run: { readonly runId: string; readonly logger: Logger; readonly signal: AbortSignal },
  actions: readonly RegisteredAction[],
): Promise<boolean> {
  const pending = unlistedPlugins(plugins, actions).filter((name) => plugins.state(name) === "pending");
  // Every run starts here: without such a plugin, no patterns are compiled.
  if (pending.length === 0) return false;
  const reachable = compilePluginFilter(patterns);
  const names = pending.filter(reachable);
  if (names.length === 0) return false;
  const { runId, logger, signal } = run;
  try {
    const report = await withDeadline(plugins.setupPending(names), { signal });
    for (const { plugin, error } of report.failed) {
      logger.warn(`plugin "${plugin}" offers this run no tools: its setup failed`, {
        runId,
        plugin,
        error: toErrorInfo(error),
      });
    }
  } catch (error) {
    if (!signal.aborted) {
      logger.warn("setting up the run's plugins failed; their tools are left out", {
        runId,
        error: toErrorInfo(error),
      });
    }
  }
  return true;
}
