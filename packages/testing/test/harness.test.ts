import { approvalId, MemoryBroker, type Logger } from "@cortex/plugins";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPluginHarness, FakeBroker, HARNESS_ADMIN, HarnessUsageError, type PluginHarness } from "../src/index.js";
import { NOTES_CREDENTIALS, NotesPlugin } from "./fixtures/broken-plugin.js";

let harness: PluginHarness<NotesPlugin> | undefined;
afterEach(async () => {
  await harness?.teardown();
  harness = undefined;
});

const create = async (plugin = new NotesPlugin(), options = {}) =>
  (harness = await createPluginHarness(plugin, { credentials: NOTES_CREDENTIALS, ...options }));

describe("createPluginHarness", () => {
  it("registers the plugin in a real registry and sets it up eagerly with a FakeBroker", async () => {
    const h = await create();
    expect(h.plugin).toBeInstanceOf(NotesPlugin);
    expect(h.registry.names()).toEqual(["notes"]);
    expect(h.state()).toBe("ready");
    expect(h.plugin.calls.setup).toBe(1);
    expect(h.broker).toBeInstanceOf(FakeBroker);
    expect(h.broker.requestedKeys).toEqual(["notes_token"]);
  });

  it("accepts a factory, sync or async", async () => {
    const h = await createPluginHarness(async () => new NotesPlugin(), { credentials: NOTES_CREDENTIALS });
    harness = h;
    expect(h.plugin.name).toBe("notes");
  });

  it("fails fast with the registry's CORTEX_PLUGIN_NOT_READY when setup fails, the cause attached", async () => {
    const plugin = new NotesPlugin();
    const error = await createPluginHarness(plugin, { credentials: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_PLUGIN_NOT_READY", plugin: "notes" });
    expect((error as Error).message).toContain('credential "notes_token" is missing');
    expect((error as Error).cause).toMatchObject({ code: "CORTEX_CREDENTIAL_MISSING" });
  });

  it("rejects an invalid plugin with the registry's coded error", async () => {
    await expect(createPluginHarness(new NotesPlugin("bad-name"))).rejects.toMatchObject({
      code: "CORTEX_INVALID_PLUGIN",
    });
    await expect(createPluginHarness(new NotesPlugin("bad-schema"))).rejects.toMatchObject({
      code: "CORTEX_INVALID_SCHEMA",
    });
  });

  it("with { lazy: true } leaves setup to the first execute, as a registry does", async () => {
    const h = await create(new NotesPlugin(), { lazy: true });
    expect(h.state()).toBe("pending");
    expect(await h.health()).toMatchObject({ status: "UNKNOWN" });
    await expect(h.execute("list")).resolves.toEqual({ success: true, data: ["first"] });
    expect(h.plugin.calls.setup).toBe(1);
  });

  it("lazy: a failing setup surfaces at the first execute as CORTEX_PLUGIN_NOT_READY", async () => {
    const h = await create(new NotesPlugin(), { lazy: true, credentials: {} });
    await expect(h.execute("list")).rejects.toMatchObject({ code: "CORTEX_PLUGIN_NOT_READY" });
  });

  it("uses a FakeBroker given as broker as is, and wraps any other broker so keys are still recorded", async () => {
    const fake = new FakeBroker(NOTES_CREDENTIALS);
    const h1 = await createPluginHarness(new NotesPlugin(), { broker: fake });
    expect(h1.broker).toBe(fake);
    await h1.teardown();
    const h2 = await createPluginHarness(new NotesPlugin(), { broker: new MemoryBroker(NOTES_CREDENTIALS) });
    harness = h2;
    expect(h2.broker.requestedKeys).toEqual(["notes_token"]);
  });

  it("credentials win over a broker given too, which becomes the fallback", async () => {
    const h = await create(new NotesPlugin(), {
      credentials: { other: "x" },
      broker: new MemoryBroker(NOTES_CREDENTIALS),
    });
    expect(h.state()).toBe("ready");
  });

  it("is silent by default but records log entries, and forwards them to a logger given", async () => {
    const seen: string[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (m) => seen.push(m),
      error: (m) => seen.push(m),
    };
    const spy = vi.spyOn(console, "error");
    const h = await create(new NotesPlugin("unknown-throws"), { logger });
    await h.execute("add", { title: "x" }, { approve: true });
    const failed = await h.registry.execute("notes", "nope", {}).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: "CORTEX_ACTION_NOT_FOUND" });
    expect(h.logs.some((l) => l.level === "debug" && l.message.includes('approved "notes.add"'))).toBe(true);
    expect(h.logs.find((l) => l.message.includes("approved"))?.fields).toMatchObject({ decidedBy: "harness" });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe("harness.execute", () => {
  it("runs AUTO actions and returns the registry's PluginResult", async () => {
    const h = await create();
    await expect(h.execute("list", {})).resolves.toEqual({ success: true, data: ["first"] });
    expect(h.plugin.calls.actions[0]?.context?.callId).toMatch(/^notes\.list#/);
  });

  it("applies validation exactly as production: CORTEX_VALIDATION_FAILED with issues, plugin code not run", async () => {
    const h = await create();
    const error = await h.execute("add", { title: 3 }, { approve: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
      issues: [{ path: "/title", message: "must be string" }],
    });
    expect(h.plugin.calls.actions).toEqual([]);
  });

  it("CONFIRM without approval throws CORTEX_APPROVAL_REQUIRED and never runs the plugin", async () => {
    const h = await create();
    await expect(h.execute("add", { title: "x" })).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    expect(h.plugin.calls.actions).toEqual([]);
  });

  it("CONFIRM approved runs, decided by 'harness'; denied throws CORTEX_APPROVAL_DENIED with the reason", async () => {
    const h = await create();
    await expect(h.execute("add", { title: "x" }, { approve: true })).resolves.toEqual({ success: true, data: 2 });
    const denied = await h.execute("add", { title: "y" }, { approve: false, reason: "no" }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: "CORTEX_APPROVAL_DENIED", reason: "no", decidedBy: "harness" });
    const byAlice = await h
      .execute("add", { title: "y" }, { approve: false, decidedBy: "alice" })
      .catch((e: unknown) => e);
    expect(byAlice).toMatchObject({ decidedBy: "alice" });
    expect(h.plugin.calls.actions.map((c) => c.params)).toEqual([{ title: "x" }]);
  });

  it("approves these exact params: the id is approvalId(plugin, action, params), as in production", async () => {
    const h = await create();
    const spy = vi.spyOn(h.registry, "execute");
    await h.execute("add", { title: "x" }, { approve: true });
    expect(spy.mock.calls[0]?.[3]?.approval).toEqual({
      id: approvalId("notes", "add", { title: "x" }),
      approved: true,
      decidedBy: "harness",
    });
  });

  it("ADMIN needs a principal: none is CORTEX_FORBIDDEN, admin: true acts as harness-admin", async () => {
    const h = await create();
    await expect(h.execute("wipe", {}, { approve: true })).rejects.toMatchObject({ code: "CORTEX_FORBIDDEN" });
    await expect(h.execute("wipe", {}, { admin: true })).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    await expect(h.execute("wipe", {}, { approve: true, admin: true })).resolves.toEqual({ success: true });
    expect(h.plugin.calls.actions[0]?.context?.principal).toEqual({ id: "harness-admin", roles: ["admin"] });
    expect(HARNESS_ADMIN).toEqual({ id: "harness-admin", roles: ["admin"] });
  });

  it("ADMIN with an explicit principal: authorized by its roles", async () => {
    const h = await create();
    const user = { id: "bob", roles: ["user"] };
    await expect(h.execute("wipe", {}, { approve: true, principal: user })).rejects.toMatchObject({
      code: "CORTEX_FORBIDDEN",
    });
    const admin = { id: "ann", roles: ["admin"] };
    await expect(h.execute("wipe", {}, { approve: true, principal: admin })).resolves.toEqual({ success: true });
  });

  it("admin and principal together is a misuse: CORTEX_HARNESS_MISUSE", async () => {
    const h = await create();
    const error = await h
      .execute("wipe", {}, { admin: true, principal: { id: "x", roles: [] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessUsageError);
    expect(error).toMatchObject({ code: "CORTEX_HARNESS_MISUSE" });
  });

  it("an approver option answers instead of per-call approvals", async () => {
    const approver = vi.fn(() => ({ approved: true, decidedBy: "bot" }));
    const h = await create(new NotesPlugin(), { approver });
    await expect(h.execute("add", { title: "x" })).resolves.toMatchObject({ success: true });
    expect(approver).toHaveBeenCalledOnce();
  });

  it("a plugin failure is a result, not a throw; the timeout option applies", async () => {
    const plugin = new NotesPlugin();
    plugin.executeAction = () => new Promise(() => undefined);
    const h = await create(plugin, { timeoutMs: 20 });
    await expect(h.execute("list")).resolves.toMatchObject({ success: false, code: "CORTEX_PLUGIN_TIMEOUT" });
  });
});

describe("harness.health and teardown", () => {
  it("health is the registry's report", async () => {
    const h = await create();
    await expect(h.health()).resolves.toEqual({ plugin: "notes", status: "HEALTHY" });
  });

  it("teardown tears the plugin down once, is idempotent, and closes the registry", async () => {
    const h = await create();
    const first = await h.teardown();
    const second = await h.teardown();
    expect(first).toEqual({ tornDown: ["notes"], errors: [], abortedCalls: 0 });
    expect(second).toBe(first);
    expect(h.plugin.calls.teardown).toBe(1);
    expect(h.state()).toBe("closed");
    await expect(h.execute("list")).rejects.toMatchObject({ code: "CORTEX_REGISTRY_CLOSED" });
  });

  it("a failing teardown is reported and logged, never thrown", async () => {
    const plugin = new NotesPlugin();
    plugin.teardown = () => {
      throw new Error("boom");
    };
    const h = await create(plugin);
    const report = await h.teardown();
    expect(report.errors[0]).toMatchObject({ code: "CORTEX_TEARDOWN_FAILED" });
    expect(h.logs.some((l) => l.level === "error" && l.message.includes("boom"))).toBe(true);
  });
});

describe("harness.preview", () => {
  it("asks the registry for the preview of a typed plugin's call", async () => {
    const { ActionTier, definePlugin } = await import("@cortex/plugins");
    const { z } = await import("zod");
    const plugin = definePlugin({
      name: "tasks",
      version: "1.0.0",
      description: "Tasks",
      actions: {
        add: {
          description: "Add",
          tier: ActionTier.CONFIRM,
          input: z.object({ title: z.string() }),
          preview: (input) => ({ summary: `add "${input.title}"` }),
          run: () => ({ id: 1 }),
        },
      },
    });
    const harness = await createPluginHarness(plugin);
    await expect(harness.preview("add", { title: "tests" })).resolves.toEqual({ summary: 'add "tests"' });
    await expect(harness.preview("add", {})).rejects.toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
    await harness.teardown();
  });
});
