import { describe, expect, it } from "vitest";
import { ActionTier, MemoryBroker, PluginRegistry, REDACTED } from "../src/index.js";
import { Redactor } from "../src/redact.js";
import { makePlugin, makeRegistry, recordingLogger } from "./fixtures.js";

describe("schemas ajv cannot check synchronously", () => {
  it("refuses a $async schema at registration instead of letting every call through", () => {
    const { registry } = makeRegistry();
    const plugin = makePlugin({
      actions: [
        {
          name: "read",
          description: "reads a file",
          tier: ActionTier.AUTO,
          parameters: {
            $async: true,
            type: "object",
            properties: { path: { type: "string", pattern: "^[a-z]+\\.txt$" } },
            additionalProperties: false,
          },
        },
      ],
    });
    expect(() => registry.register(plugin)).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_SCHEMA", message: expect.stringContaining("$async") as string }),
    );
    expect(registry.names()).toEqual([]);
  });
});

describe("schema ids", () => {
  const withId = (plugin: string, id: string, broken = false) =>
    makePlugin({
      name: plugin,
      actions: [
        {
          name: "a",
          description: "",
          tier: ActionTier.AUTO,
          parameters: { $id: id, type: "object", properties: { n: { type: "integer" } } },
        },
        ...(broken ? [{ name: "b", description: "", tier: "NOPE" as never }] : []),
      ],
    });

  it("two plugins may use the same $id, and each validates with its own schema", async () => {
    const { registry } = makeRegistry();
    registry.register(withId("one", "params"));
    registry.register(withId("two", "params"));
    await expect(registry.execute("two", "a", { n: 1 })).resolves.toMatchObject({ success: true });
    await expect(registry.execute("two", "a", { n: "x" })).rejects.toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
  });

  it("a registration that fails leaves no schema behind, so the fixed plugin registers", () => {
    const { registry } = makeRegistry();
    expect(() => registry.register(withId("one", "params", true))).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_PLUGIN" }),
    );
    expect(() => registry.register(withId("one", "params"))).not.toThrow();
  });
});

describe("redaction of escaped secrets", () => {
  it("redacts a secret that appears JSON-escaped in a thrown non-Error value", async () => {
    const password = 'hunter"2\\x';
    const logger = recordingLogger();
    const registry = new PluginRegistry({ broker: new MemoryBroker({ pw: password }), logger });
    registry.register(
      makePlugin({
        name: "caldav",
        async setup(broker) {
          await broker.get("pw");
        },
        executeAction() {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what third-party code does
          throw { status: 401, request: { user: "ann", password } };
        },
        actions: [{ name: "act", description: "", tier: ActionTier.AUTO }],
      }),
    );
    const result = await registry.execute("caldav", "act", {});
    expect(result.error).toBe(`"caldav.act" threw: {"status":401,"request":{"user":"ann","password":"${REDACTED}"}}`);
    expect(logger.text()).not.toContain("hunter");
  });

  it("remembers the escaped form only when it differs", () => {
    const r = new Redactor();
    r.add("plain-secret");
    expect(r.size).toBe(1);
    r.add("with\nnewline");
    expect(r.size).toBe(3);
    expect(r.text('{"k":"with\\nnewline"} and with\nnewline')).toBe(`{"k":"${REDACTED}"} and ${REDACTED}`);
  });
});

describe("waits before the plugin runs", () => {
  it("a caller abort ends the wait for an approver at once, with the pre-start abort result", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry({ approver: () => new Promise(() => undefined), approvalTimeoutMs: 60_000 });
    registry.register(plugin);
    const controller = new AbortController();
    const started = Date.now();
    const pending = registry.execute("test", "confirm", { title: "x" }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).resolves.toMatchObject({
      success: false,
      code: "CORTEX_ABORTED",
      error: expect.stringContaining("before the action started") as string,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(plugin.calls).toEqual([]);
  });

  it("a caller abort ends the wait for a slow lazy setup at once", async () => {
    const plugin = makePlugin({
      async setup() {
        await new Promise((r) => setTimeout(r, 400));
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const controller = new AbortController();
    const started = Date.now();
    const pending = registry.execute("test", "echo", {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).resolves.toMatchObject({ success: false, code: "CORTEX_ABORTED" });
    expect(Date.now() - started).toBeLessThan(300);
    expect(plugin.calls).toEqual([]);
    await registry.shutdown();
  });

  it("shutdown ends the wait for an approver: the call rejects with CORTEX_REGISTRY_CLOSED and never runs", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry({ approver: () => new Promise(() => undefined), approvalTimeoutMs: 60_000 });
    registry.register(plugin);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const pending = registry.execute("test", "confirm", { title: "x" });
    await new Promise((r) => setTimeout(r, 10));
    expect(timers()).toBe(before + 1); // the approver's 60 s limit
    const started = Date.now();
    await registry.shutdown();
    await expect(pending).rejects.toMatchObject({ code: "CORTEX_REGISTRY_CLOSED" });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(plugin.calls).toEqual([]);
    // Its timer is gone with the wait: nothing keeps the process alive for a call nobody waits for.
    expect(timers()).toBe(before);
  });
});
