import { isCortexError, PluginRegistry, silentLogger, type Plugin, type PluginActionInfo } from "@cortex/plugins";
import {
  actionsOf,
  CheckFailed,
  describeError,
  limit,
  timeoutOf,
  withHarness,
  type Check,
} from "./contract-helpers.js";
import { FakeBroker } from "./fake-broker.js";

// The contract checks about what a plugin's actions do: their examples, and
// whether each listed action can be reached at all.

/** A failure result's shape, with the action's name taken out: how a plugin says "no such action". */
function signature(result: unknown, action: string): string | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const { success, error, code } = result as { success?: unknown; error?: unknown; code?: unknown };
  if (success !== false) return undefined;
  const text = typeof error === "string" ? error.split(action).join("<action>") : "";
  return JSON.stringify([code, text]);
}

/** Calls `executeAction` directly; a throw is returned as `{ thrown }`. */
async function call(
  plugin: Plugin,
  action: string,
  params: Record<string, unknown>,
  signal: AbortSignal,
  ms: number,
): Promise<unknown> {
  try {
    return await limit(`executeAction("${action}")`, ms, () =>
      plugin.executeAction(action, params, { signal, callId: "contract" }),
    );
  } catch (error) {
    if (error instanceof CheckFailed) throw error;
    return { thrown: describeError(error) };
  }
}

/** The implementation of the `examples` and `reachable` checks of `CONTRACT_CHECKS`. */
export const ACTION_CHECKS: Record<"examples" | "reachable", Check> = {
  async examples(factory, options) {
    // Registered with examples checked, whatever NODE_ENV says: CORTEX_INVALID_EXAMPLE names the first bad one.
    try {
      new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger, checkExamples: true }).register(
        await factory(),
      );
    } catch (error) {
      if (isCortexError(error) && error.code === "CORTEX_INVALID_EXAMPLE") return error.message;
      return `register() rejected the plugin: ${describeError(error)}`;
    }
    return withHarness(factory, options, async (harness) => {
      const problems: string[] = [];
      for (const action of actionsOf(harness.plugin).filter((a) => a.tier === "AUTO")) {
        for (const [index, example] of (action.examples ?? []).entries()) {
          const result = await harness.execute(action.name, example).catch((error: unknown) => error);
          const code = (result as { code?: unknown }).code;
          if (
            code === "CORTEX_PLUGIN_ERROR" ||
            code === "CORTEX_INVALID_RESULT" ||
            code === "CORTEX_ACTION_NOT_FOUND"
          ) {
            problems.push(`"${action.name}" with example ${index}: ${JSON.stringify(result)}`);
          } else if (result instanceof Error) {
            problems.push(`"${action.name}" with example ${index} threw ${describeError(result)}`);
          }
        }
      }
      return problems.length > 0 ? `AUTO actions failed on their own examples: ${problems.join("; ")}` : undefined;
    });
  },

  async reachable(factory, options) {
    return withHarness(factory, options, async ({ plugin }) => {
      const ms = timeoutOf(options);
      const listed: PluginActionInfo[] = actionsOf(plugin);
      const names = new Set(listed.map((a) => a.name));
      let probe = "contract_unknown_action";
      while (names.has(probe)) probe += "_";
      // Calls that must not run their work get an aborted signal; AUTO calls run with their first example.
      const stopped = AbortSignal.abort(new Error("the contract only checks that this action is reached"));
      const live = new AbortController().signal;
      const unknown = signature(await call(plugin, probe, {}, stopped, ms), probe);
      const unreachable: string[] = [];
      for (const action of listed) {
        const auto = action.tier === "AUTO";
        const params = auto ? (action.examples?.[0] ?? {}) : {};
        const result = await call(plugin, action.name, params, auto ? live : stopped, ms);
        const code = (result as { code?: unknown } | null)?.code;
        const answer = signature(result, action.name);
        if (code === "CORTEX_ACTION_NOT_FOUND" || (answer !== undefined && answer === unknown)) {
          unreachable.push(`"${action.name}" (answered ${JSON.stringify(result)})`);
        }
      }
      return unreachable.length > 0
        ? `listed actions that executeAction does not reach (it answers them as an unknown action): ${unreachable.join(", ")}`
        : undefined;
    });
  },
};
