import * as plugins from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  checkPluginContract,
  CONTRACT_CHECKS,
  runContractCheck,
  type ContractCheckName,
  type PluginContractOptions,
} from "../src/index.js";
import { NOTES_CREDENTIALS, NOTES_VALID_PARAMS, NotesPlugin, type Defect } from "./fixtures/broken-plugin.js";

const options: PluginContractOptions = { credentials: NOTES_CREDENTIALS, validParams: NOTES_VALID_PARAMS };

describe("checkPluginContract", () => {
  it("passes a correct plugin, every check in order", async () => {
    const report = await checkPluginContract(() => new NotesPlugin(), options);
    expect(report.checks.map((c) => c.name)).toEqual(Object.keys(CONTRACT_CHECKS));
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.checks.every((c) => c.message === undefined)).toBe(true);
  });

  it("without validParams the approval check still passes, with a note that it was weak", async () => {
    const result = await runContractCheck("approval", () => new NotesPlugin(), { credentials: NOTES_CREDENTIALS });
    expect(result.passed).toBe(true);
    expect(result.message).toMatch(/^weak: no validParams for add;/);
  });

  it("reports passed: false when one check fails, the others still run", async () => {
    const report = await checkPluginContract(() => new NotesPlugin("health-wrong-name"), options);
    expect(report.passed).toBe(false);
    expect(report.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(["health"]);
  });

  it("uses a fresh instance per check", async () => {
    const made: NotesPlugin[] = [];
    await checkPluginContract(() => {
      const p = new NotesPlugin();
      made.push(p);
      return p;
    }, options);
    expect(new Set(made).size).toBe(made.length);
    expect(made.length).toBeGreaterThanOrEqual(Object.keys(CONTRACT_CHECKS).length);
  });

  it("passes credentials through a broker option too", async () => {
    const { FakeBroker } = await import("../src/index.js");
    const result = await runContractCheck("setup", () => new NotesPlugin(), {
      broker: new FakeBroker(NOTES_CREDENTIALS),
    });
    expect(result).toEqual({ name: "setup", passed: true });
  });

  it("a factory that throws fails the check with its message, never throws", async () => {
    const result = await runContractCheck("metadata", () => {
      throw new Error("cannot construct");
    });
    expect(result).toEqual({ name: "metadata", passed: false, message: "the check threw: cannot construct" });
  });

  it("a plugin that hangs fails the check after timeoutMs", async () => {
    const plugin = (): NotesPlugin => {
      const p = new NotesPlugin();
      p.health = () => new Promise(() => undefined);
      return p;
    };
    const result = await runContractCheck("health", plugin, { ...options, timeoutMs: 30 });
    expect(result).toMatchObject({ passed: false, message: "health() did not settle within 30 ms" });
  });

  it.each([0, -1, Number.NaN, "5" as unknown as number])(
    "refuses timeoutMs %s with CORTEX_INVALID_OPTIONS before running any check",
    async (timeoutMs) => {
      let made = 0;
      const factory = (): NotesPlugin => (made++, new NotesPlugin());
      await expect(checkPluginContract(factory, { ...options, timeoutMs })).rejects.toMatchObject({
        code: "CORTEX_INVALID_OPTIONS",
        option: "timeoutMs",
      });
      await expect(runContractCheck("health", factory, { ...options, timeoutMs })).rejects.toMatchObject({
        code: "CORTEX_INVALID_OPTIONS",
      });
      expect(made).toBe(0);
    },
  );
});

// Each check can fail: one defect of the broken fixture per check, and the
// message a plugin author would need to fix it.
const failures: [ContractCheckName, Defect, RegExp][] = [
  ["metadata", "metadata", /version "one" is not semver.*description is empty/],
  ["unique-actions", "duplicate-actions", /action names listed more than once: list$/],
  ["schemas", "bad-schema", /parameter schemas that do not compile: "broken": .*type/],
  [
    "registers",
    "bad-name",
    /register\(\) rejected the plugin: CORTEX_INVALID_PLUGIN: invalid plugin "Notes Plugin": name must match/,
  ],
  [
    "setup",
    "setup-fails",
    /could not register and set up the plugin: CORTEX_PLUGIN_NOT_READY: .*credential "notes_missing_key" is missing/,
  ],
  [
    "stable-actions",
    "unstable-actions",
    /two calls of listActions\(\) gave different results \(action 0, "list": .*"List notes \(1\)".* then .*"List notes \(2\)"/,
  ],
  [
    "unknown-action",
    "unknown-throws",
    /executeAction\("contract_unknown_action"\) threw instead of resolving to \{ success: false, error \}: no such action/,
  ],
  ["health", "health-wrong-name", /health\(\) report names plugin "someone-else" instead of "notes"/],
  ["teardown", "teardown-twice-throws", /a second teardown\(\) threw: already torn down/],
  [
    "reachable",
    "unreachable-action",
    /listed actions that executeAction does not reach \(it answers them as an unknown action\): "wipe" \(answered \{"success":false,"error":"Unknown action: wipe"\}\)$/,
  ],
  [
    "examples",
    "bad-example",
    /example 0 of "notes.add" does not pass its schema: \/title: must NOT have fewer than 1 characters/,
  ],
  [
    "approval",
    "tier-changes-later",
    /"add" \(CONFIRM\) called without approval resolved to .*expected CORTEX_APPROVAL_REQUIRED; executeAction was entered \(the registry saw tier AUTO at registration\)/,
  ],
];

describe("each check fails on the broken plugin with a useful message", () => {
  it("covers every check", () => {
    expect(failures.map(([name]) => name).sort()).toEqual(Object.keys(CONTRACT_CHECKS).sort());
  });

  it.each(failures)("%s fails for defect %s", async (check, defect, message) => {
    const result = await runContractCheck(check, () => new NotesPlugin(defect), options);
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(message);
  });

  it("approval also fails for an ADMIN action that ran without approval", async () => {
    const result = await runContractCheck("approval", () => new NotesPlugin("tier-changes-later"), options);
    expect(result.message).toMatch(
      /"wipe" \(ADMIN\) called without a principal resolved to \{"success":true\}, expected CORTEX_FORBIDDEN/,
    );
  });

  it("unknown-action fails for a plugin answering with success or without an error", async () => {
    const lying = () => {
      const p = new NotesPlugin();
      const run = p.executeAction.bind(p);
      p.executeAction = async (action, params) => (action === "list" ? run(action, params) : { success: true });
      return p;
    };
    const result = await runContractCheck("unknown-action", lying, options);
    expect(result.message).toBe(
      'executeAction("contract_unknown_action") resolved to {"success":true}, not { success: false, error: "<reason>" }',
    );
  });

  it("teardown fails when the first teardown (run by the registry) throws", async () => {
    const p = (): NotesPlugin => {
      const plugin = new NotesPlugin();
      plugin.teardown = () => {
        throw new Error("socket busy");
      };
      return plugin;
    };
    const result = await runContractCheck("teardown", p, options);
    expect(result.message).toMatch(/^the first teardown \(by the registry\) failed: .*socket busy/);
  });

  it("stable-actions fails when the list changes after setup", async () => {
    const result = await runContractCheck("stable-actions", () => new NotesPlugin("tier-changes-later"), options);
    expect(result.message).toMatch(
      /^listActions\(\) after setup differs from before setup \(action 1, "add": .*"tier":"AUTO".* then .*"tier":"CONFIRM"/,
    );
  });
});

describe("schemas check compiles a plugin's schemas together, as the registry does", () => {
  // Actions sharing a schema by `$id`: the registry compiles them in one ajv.
  const sharing = (refs: string[]) => () => {
    const p = new NotesPlugin();
    const actions = p.listActions();
    p.listActions = () => [
      ...actions,
      {
        name: "range",
        description: "",
        tier: "AUTO",
        parameters: {
          $id: "https://example.com/range.json",
          type: "object",
          properties: { start: { type: "string" } },
        },
      },
      ...refs.map((ref, i) => ({
        name: `uses_${i}`,
        description: "",
        tier: "AUTO" as const,
        parameters: { $ref: ref },
      })),
    ];
    return p;
  };

  it("passes a $ref to another action's $id, which the registry accepts", async () => {
    expect(await runContractCheck("schemas", sharing(["https://example.com/range.json"]), options)).toEqual({
      name: "schemas",
      passed: true,
    });
    expect(await runContractCheck("registers", sharing(["https://example.com/range.json"]), options)).toMatchObject({
      passed: true,
    });
  });

  it("names each action whose schema does not compile among them", async () => {
    const result = await runContractCheck(
      "schemas",
      sharing(["https://example.com/range.json", "https://example.com/missing.json", "https://example.com/gone.json"]),
      options,
    );
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(
      /^parameter schemas that do not compile: "uses_1": .*missing\.json.*; "uses_2": .*gone\.json[^;]*$/,
    );
  });
});

describe("the contract and typed plugins", () => {
  const { ActionTier, definePlugin } = plugins;
  const typed = (crash = false) =>
    definePlugin({
      name: "tasks",
      version: "1.0.0",
      description: "Tasks",
      credentials: { tasks_token: { description: "Token" } },
      actions: {
        list: {
          description: "List tasks",
          tier: ActionTier.AUTO,
          input: z.object({ done: z.boolean().optional() }),
          examples: [{}, { done: true }],
          run: (input) => {
            if (crash && input.done === true) throw new TypeError("cannot read 'done'");
            return [];
          },
        },
        add: {
          description: "Add a task",
          tier: ActionTier.CONFIRM,
          input: z.object({ title: z.string().min(1) }),
          examples: [{ title: "write tests" }],
          preview: (input) => ({ summary: `add "${input.title}"` }),
          run: () => ({ id: 1 }),
        },
      },
    });
  const credentials = { tasks_token: "t0ken-for-tasks" };

  it("passes a typed plugin, every check in order", async () => {
    const report = await checkPluginContract(() => typed(), { credentials, validParams: { add: { title: "x" } } });
    expect(report.checks.filter((c) => !c.passed || c.message !== undefined)).toEqual([]);
  });

  it("examples fails when an AUTO action crashes on one of its own examples", async () => {
    const result = await runContractCheck("examples", () => typed(true), { credentials });
    expect(result.passed).toBe(false);
    expect(result.message).toMatch(
      /^AUTO actions failed on their own examples: "list" with example 1: .*CORTEX_PLUGIN_ERROR/,
    );
  });
});
