import { isDeepStrictEqual } from "node:util";
import {
  isCortexError,
  PluginHealthStatus,
  PluginRegistry,
  silentLogger,
  type Plugin,
  type PluginActionInfo,
} from "@cortex/plugins";
import type { ContractCheckName } from "./contract.js";
import {
  actionsOf,
  CheckFailed,
  describeError,
  harnessOf,
  limit,
  SEMVER,
  timeoutOf,
  where,
  withHarness,
  type Check,
} from "./contract-helpers.js";
import { FakeBroker } from "./fake-broker.js";
import { HARNESS_ADMIN, type HarnessExecuteOptions, type PluginHarness } from "./harness.js";

/** The implementation of every check in `CONTRACT_CHECKS`. */
export const CHECKS: Record<Exclude<ContractCheckName, "examples" | "reachable">, Check> = {
  async metadata(factory) {
    const p = await factory();
    const problems: string[] = [];
    if (typeof p.name !== "string" || p.name.trim() === "") problems.push(`name ${JSON.stringify(p.name)} is empty`);
    if (typeof p.version !== "string" || !SEMVER.test(p.version)) {
      problems.push(`version ${JSON.stringify(p.version)} is not semver (e.g. "1.0.0")`);
    }
    if (typeof p.description !== "string" || p.description.trim() === "") problems.push("description is empty");
    return problems.length > 0 ? `plugin ${JSON.stringify(p.name)}: ${problems.join("; ")}` : undefined;
  },

  async "unique-actions"(factory) {
    const seen = new Set<string>();
    const twice = new Set<string>();
    for (const a of actionsOf(await factory())) (seen.has(a.name) ? twice : seen).add(a.name);
    return twice.size > 0 ? `action names listed more than once: ${[...twice].join(", ")}` : undefined;
  },

  async schemas(factory) {
    // All schemas together in one probe plugin, as the registry compiles them
    // (one ajv per plugin, so a `$ref` to another action's `$id` resolves).
    // Probe names are positional; an InvalidSchemaError names the probe
    // action, which maps back to the plugin's. A broken schema is reported
    // and left out, and the rest compiled again, so each one is named.
    const schemas: { name: string; parameters: unknown }[] = [];
    for (const a of actionsOf(await factory())) {
      if (a.parameters !== undefined) schemas.push({ name: String(a.name), parameters: a.parameters });
    }
    const broken: string[] = [];
    const left = new Set(schemas.keys());
    while (left.size > 0) {
      const indexes = [...left];
      const probe: Plugin = {
        name: "contract-probe",
        version: "0.0.0",
        description: "",
        setup: () => undefined,
        teardown: () => undefined,
        health: () => ({ plugin: "contract-probe", status: "HEALTHY" }),
        executeAction: () => ({ success: true }),
        listActions: () =>
          indexes.map((i) => ({
            name: `probe_${i}`,
            description: "",
            tier: "AUTO" as const,
            parameters: schemas[i]?.parameters as PluginActionInfo["parameters"],
          })),
      };
      try {
        new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger }).register(probe);
        break;
      } catch (error) {
        const action = (error as { action?: unknown }).action;
        const index = typeof action === "string" && /^probe_\d+$/.test(action) ? Number(action.slice(6)) : undefined;
        const why = error instanceof Error ? error.message.replace(/^.*does not compile: /, "") : String(error);
        if (index === undefined || !left.has(index)) {
          broken.push(`the schemas together: ${why}`);
          break;
        }
        broken.push(`"${schemas[index]?.name ?? ""}": ${why}`);
        left.delete(index);
      }
    }
    return broken.length > 0 ? `parameter schemas that do not compile: ${broken.join("; ")}` : undefined;
  },

  async registers(factory) {
    try {
      new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger }).register(await factory());
      return undefined;
    } catch (error) {
      return `register() rejected the plugin: ${describeError(error)}`;
    }
  },

  async setup(factory, options) {
    await withHarness(factory, options, () => Promise.resolve());
    return undefined;
  },

  async "stable-actions"(factory, options) {
    const plugin = await factory();
    const first = actionsOf(plugin);
    const second = actionsOf(plugin);
    if (!isDeepStrictEqual(first, second))
      return `two calls of listActions() gave different results${where(first, second)}`;
    // The registry reads the list once, at registration, before setup: a
    // list that changes after setup is one the registry does not enforce.
    const after = await withHarness(factory, options, () => Promise.resolve(actionsOf(plugin)), plugin);
    return isDeepStrictEqual(first, after)
      ? undefined
      : `listActions() after setup differs from before setup${where(first, after)}`;
  },

  async "unknown-action"(factory, options) {
    return withHarness(factory, options, async ({ plugin }) => {
      const names = new Set(actionsOf(plugin).map((a) => a.name));
      let action = "contract_unknown_action";
      while (names.has(action)) action += "_";
      const context = { signal: new AbortController().signal, callId: "contract" };
      let result: unknown;
      try {
        result = await limit(`executeAction("${action}")`, timeoutOf(options), () =>
          plugin.executeAction(action, {}, context),
        );
      } catch (error) {
        if (error instanceof CheckFailed) throw error;
        const why = describeError(error);
        return `executeAction("${action}") threw instead of resolving to { success: false, error }: ${why}`;
      }
      const r = (typeof result === "object" ? result : null) as { success?: unknown; error?: unknown } | null;
      if (r?.success !== false || typeof r.error !== "string" || r.error === "") {
        return `executeAction("${action}") resolved to ${JSON.stringify(result)}, not { success: false, error: "<reason>" }`;
      }
      return undefined;
    });
  },

  async health(factory, options) {
    return withHarness(factory, options, async ({ plugin }) => {
      // Asked directly: the registry would overwrite a wrong `plugin` field.
      let report: unknown;
      try {
        report = await limit("health()", timeoutOf(options), () => plugin.health());
      } catch (error) {
        if (error instanceof CheckFailed) throw error;
        return `health() threw instead of reporting UNHEALTHY: ${describeError(error)}`;
      }
      const r = report as { plugin?: unknown; status?: unknown } | null;
      if (typeof r !== "object" || r === null) return `health() returned ${JSON.stringify(report)}, not a report`;
      const problems: string[] = [];
      if (r.plugin !== plugin.name) {
        problems.push(`names plugin ${JSON.stringify(r.plugin)} instead of "${plugin.name}"`);
      }
      if (!Object.values<unknown>(PluginHealthStatus).includes(r.status)) {
        problems.push(`has status ${JSON.stringify(r.status)}`);
      }
      return problems.length > 0 ? `health() report ${problems.join(" and ")}` : undefined;
    });
  },

  async teardown(factory, options) {
    const harness = await harnessOf(factory, options);
    const report = await harness.teardown();
    const first = report.errors[0];
    if (first !== undefined) return `the first teardown (by the registry) failed: ${first.message}`;
    try {
      await limit("the second teardown()", timeoutOf(options), () => harness.plugin.teardown());
    } catch (error) {
      if (error instanceof CheckFailed) throw error;
      return `a second teardown() threw: ${describeError(error)}`;
    }
    return undefined;
  },

  async approval(factory, options) {
    const problems: string[] = [];
    const weak: string[] = [];
    const plugin = await factory();
    const entered: string[] = [];
    // Calls reach the plugin only through this wrapper, so "entered" is exact.
    const spied: Plugin = {
      get name() {
        return plugin.name;
      },
      get version() {
        return plugin.version;
      },
      get description() {
        return plugin.description;
      },
      setup: (broker) => plugin.setup(broker),
      teardown: () => plugin.teardown(),
      listActions: () => plugin.listActions(),
      health: () => plugin.health(),
      executeAction: (action, params, context) => {
        entered.push(action);
        return plugin.executeAction(action, params, context);
      },
    };
    const attempt = async (harness: PluginHarness): Promise<void> => {
      const gated = actionsOf(plugin).filter((a) => a.tier !== "AUTO");
      for (const action of gated) {
        const params = options.validParams?.[action.name];
        const attempts: [how: string, options: HarnessExecuteOptions, expected: string][] =
          action.tier === "ADMIN"
            ? [
                ["without a principal", {}, "CORTEX_FORBIDDEN"],
                ["as admin without approval", { principal: HARNESS_ADMIN }, "CORTEX_APPROVAL_REQUIRED"],
              ]
            : [["without approval", {}, "CORTEX_APPROVAL_REQUIRED"]];
        for (const [how, callOptions, expected] of attempts) {
          entered.length = 0;
          let outcome: string;
          try {
            const result = await harness.execute(action.name, params ?? {}, callOptions);
            outcome = `resolved to ${JSON.stringify(result)}`;
          } catch (error) {
            const code = isCortexError(error) ? error.code : undefined;
            if (code === expected && entered.length === 0) continue;
            if (code === "CORTEX_VALIDATION_FAILED" && params === undefined && entered.length === 0) {
              weak.push(action.name);
              continue;
            }
            outcome = `threw ${describeError(error)}`;
          }
          const registered = harness.registry.listActions().find((a) => a.name === action.name)?.tier;
          problems.push(
            `"${action.name}" (${action.tier}) called ${how} ${outcome}, expected ${expected}` +
              (entered.length > 0 ? "; executeAction was entered" : "") +
              (registered !== action.tier ? ` (the registry saw tier ${String(registered)} at registration)` : ""),
          );
        }
      }
    };
    await withHarness(factory, options, attempt, spied);
    if (problems.length > 0) return problems.join("; ");
    if (weak.length === 0) return undefined;
    return {
      note: `weak: no validParams for ${[...new Set(weak)].join(", ")}; the call stopped at validation, before the tier check`,
    };
  },
};
