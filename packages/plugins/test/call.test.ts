import { describe, expect, it } from "vitest";
import type { ActionContext, PluginResult } from "../src/index.js";
import { makePlugin, makeRegistry, sleep } from "./fixtures.js";

describe("running plugin code", () => {
  it("passes a context with signal, principal and callId as the third argument", async () => {
    let seen: ActionContext | undefined;
    const { registry } = makeRegistry();
    registry.register(
      makePlugin({
        executeAction: (_a, _p, context) => {
          seen = context;
          return { success: true };
        },
      }),
    );
    await registry.execute("test", "echo", {}, { principal: { id: "u1", roles: [] }, callId: "call-7" });
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(seen?.signal.aborted).toBe(false);
    expect(seen?.principal).toEqual({ id: "u1", roles: [] });
    expect(seen?.callId).toBe("call-7");
    await registry.execute("test", "echo", {});
    expect(seen?.callId).toMatch(/^test\.echo#\d+$/);
  });

  it.each([
    [
      "throws",
      () => {
        throw new Error("kaput");
      },
      "CORTEX_PLUGIN_ERROR",
      /threw: kaput/,
    ],
    ["rejects", () => Promise.reject(new Error("later kaput")), "CORTEX_PLUGIN_ERROR", /threw: later kaput/],
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test
    ["rejects with a non-error", () => Promise.reject("plain string"), "CORTEX_PLUGIN_ERROR", /threw: plain string/],
    ["returns undefined", () => undefined, "CORTEX_INVALID_RESULT", /returned undefined, not a PluginResult/],
    ["resolves to a string", async () => "ok", "CORTEX_INVALID_RESULT", /returned string/],
    ["returns null", () => null, "CORTEX_INVALID_RESULT", /returned null/],
    ["returns success as a string", () => ({ success: "yes" }), "CORTEX_INVALID_RESULT", /not a PluginResult/],
  ])("a plugin that %s becomes a coded failure, logged", async (_label, executeAction, code, message) => {
    const { registry, logger } = makeRegistry();
    registry.register(makePlugin({ executeAction: executeAction as never }));
    const result = await registry.execute("test", "echo", {});
    expect(result.success).toBe(false);
    expect(result.code).toBe(code);
    expect(result.error).toMatch(message);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: "error",
        fields: expect.objectContaining({ plugin: "test", action: "echo", code }) as object,
      }),
    );
  });

  it("passes the plugin's own results through untouched", async () => {
    const own: PluginResult = { success: false, error: "Unknown thing", data: { hint: 1 } };
    const { registry } = makeRegistry();
    registry.register(makePlugin({ executeAction: async () => own }));
    expect(await registry.execute("test", "echo", {})).toBe(own);
  });

  it("times out: failure CORTEX_PLUGIN_TIMEOUT, signal aborted, late answers ignored", async () => {
    let signal: AbortSignal | undefined;
    const { registry, logger } = makeRegistry({ timeoutMs: 30 });
    registry.register(
      makePlugin({
        executeAction: async (_a, _p, context) => {
          signal = context?.signal;
          await sleep(100);
          return { success: true };
        },
      }),
    );
    const result = await registry.execute("test", "echo", {});
    expect(result).toEqual({
      success: false,
      code: "CORTEX_PLUGIN_TIMEOUT",
      error: '"test.echo": did not finish within 30 ms',
    });
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error).name).toBe("TimeoutError");
    expect(logger.lines.some((l) => l.level === "warn" && l.fields?.code === "CORTEX_PLUGIN_TIMEOUT")).toBe(true);
    await sleep(100);
  });

  it("a per-call timeoutMs overrides the registry's", async () => {
    const { registry } = makeRegistry({ timeoutMs: 5_000 });
    registry.register(makePlugin({ executeAction: () => sleep(200).then(() => ({ success: true })) }));
    const started = Date.now();
    expect((await registry.execute("test", "echo", {}, { timeoutMs: 20 })).code).toBe("CORTEX_PLUGIN_TIMEOUT");
    expect(Date.now() - started).toBeLessThan(150);
  });

  it("a timed-out plugin that never reads the signal still sees it aborted if it reads it later", async () => {
    let context: ActionContext | undefined;
    const { registry } = makeRegistry({ timeoutMs: 10 });
    registry.register(
      makePlugin({
        executeAction: (_a, _p, c) => {
          context = c;
          return new Promise(() => undefined);
        },
      }),
    );
    await registry.execute("test", "echo", {});
    expect(context?.signal.aborted).toBe(true);
  });

  it("the caller's abort aborts the plugin's signal and resolves CORTEX_ABORTED", async () => {
    let signal: AbortSignal | undefined;
    const { registry } = makeRegistry();
    registry.register(
      makePlugin({
        executeAction: (_a, _p, context) => {
          signal = context?.signal;
          return new Promise(() => undefined);
        },
      }),
    );
    const controller = new AbortController();
    const pending = registry.execute("test", "echo", {}, { signal: controller.signal });
    await sleep(5);
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ success: false, code: "CORTEX_ABORTED" });
    expect(signal?.aborted).toBe(true);
  });

  it("an already-aborted caller signal never runs the plugin", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry();
    registry.register(plugin);
    await registry.setupAllPending();
    const result = await registry.execute("test", "echo", {}, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ success: false, code: "CORTEX_ABORTED" });
    expect(plugin.calls).toHaveLength(0);
  });

  it("a call that finishes normally releases its caller-signal listener", async () => {
    const controller = new AbortController();
    const { registry } = makeRegistry();
    registry.register(makePlugin());
    for (let i = 0; i < 20; i++) await registry.execute("test", "echo", {}, { signal: controller.signal });
    controller.abort();
    expect((await registry.execute("test", "echo", {}, { signal: controller.signal })).code).toBe("CORTEX_ABORTED");
  });
});
