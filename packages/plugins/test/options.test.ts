import { describe, expect, it } from "vitest";
import { approvalId, CortexError, InvalidOptionsError, isCortexError, REGISTRY_DEFAULTS } from "../src/index.js";
import { makePlugin, makeRegistry, sleep } from "./fixtures.js";
import { warningsDuring } from "./processes.js";

const MAX = 2 ** 31 - 1; // the longest delay setTimeout honours; longer ones run after 1 ms
const THIRTY_DAYS = 30 * 24 * 3_600_000; // 2.59e9 ms: above MAX

describe("defaults", () => {
  it("live in one frozen object: a time limit per option, in milliseconds", () => {
    expect(Object.isFrozen(REGISTRY_DEFAULTS)).toBe(true);
    for (const value of Object.values(REGISTRY_DEFAULTS)) expect(value).toBeGreaterThan(0);
    expect(REGISTRY_DEFAULTS.timeoutMs).toBe(30_000);
    expect(REGISTRY_DEFAULTS.loadTimeoutMs).toBe(10_000);
  });
});

describe("time limits", () => {
  const options = ["timeoutMs", "setupTimeoutMs", "healthTimeoutMs", "approvalTimeoutMs", "shutdownTimeoutMs"] as const;
  const invalid: unknown[] = [Number.NaN, 0, -1, -Infinity, "1000", null, {}, true];

  it.each(options)("the constructor rejects an unusable %s with CORTEX_INVALID_OPTIONS", (option) => {
    for (const value of invalid) {
      expect(() => makeRegistry({ [option]: value as number }), `${option}: ${String(value)}`).toThrow(
        expect.objectContaining({
          code: "CORTEX_INVALID_OPTIONS",
          name: "InvalidOptionsError",
          option,
          message: expect.stringContaining(`"${option}" must be a number > 0 (or Infinity for no limit)`) as string,
        }),
      );
    }
    for (const value of [Infinity, THIRTY_DAYS, MAX + 1, 0.5, 1]) {
      expect(() => makeRegistry({ [option]: value })).not.toThrow();
    }
    expect(() => makeRegistry({ [option]: undefined })).not.toThrow();
  });

  it("the error is a CortexError (instanceof and brand)", () => {
    let error: unknown;
    try {
      makeRegistry({ timeoutMs: Number.NaN });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error).toBeInstanceOf(CortexError);
    expect(isCortexError(error)).toBe(true);
  });

  it("an unusable per-call timeoutMs rejects with CORTEX_INVALID_OPTIONS and the plugin never runs", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry();
    registry.register(plugin);
    // While pending: refused before the lazy setup even starts.
    for (const value of invalid) {
      await expect(registry.execute("test", "echo", {}, { timeoutMs: value as number })).rejects.toMatchObject({
        code: "CORTEX_INVALID_OPTIONS",
        option: "timeoutMs",
        message: expect.stringContaining(`execute option "timeoutMs"`) as string,
      });
    }
    expect(registry.state("test")).toBe("pending");
    expect(plugin.setups).toBe(0);
    // Once ready: refused too.
    await registry.setupAllPending();
    for (const value of invalid) {
      await expect(registry.execute("test", "echo", {}, { timeoutMs: value as number })).rejects.toMatchObject({
        code: "CORTEX_INVALID_OPTIONS",
      });
    }
    expect(plugin.calls).toHaveLength(0);
    // A CONFIRM call with an approval given: rejected before the plugin runs too.
    const approval = { id: approvalId("test", "confirm", {}), approved: true };
    await expect(registry.execute("test", "confirm", {}, { timeoutMs: 0, approval })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
    });
    expect(plugin.calls).toHaveLength(0);
  });

  it("a NaN limit never leaves a hung call spinning forever: it is refused up front", async () => {
    const hung = makePlugin({ executeAction: () => new Promise(() => undefined) });
    const { registry } = makeRegistry();
    registry.register(hung);
    await registry.setupAllPending();
    const cpu = process.cpuUsage();
    const outcome = await Promise.race([
      registry.execute("test", "echo", {}, { timeoutMs: Number.NaN }).catch((error: unknown) => error),
      sleep(1_000).then(() => "still pending after 1 s"),
    ]);
    expect(outcome).toMatchObject({ code: "CORTEX_INVALID_OPTIONS" });
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(500);
  });

  it("setup, health, approval and shutdown limits of Infinity wait instead of failing after 1 ms", async () => {
    const warnings = await warningsDuring("TimeoutOverflowWarning", async () => {
      const { registry } = makeRegistry({
        setupTimeoutMs: Infinity,
        healthTimeoutMs: Infinity,
        approvalTimeoutMs: Infinity,
        shutdownTimeoutMs: Infinity,
        approver: () => sleep(30).then(() => ({ approved: true })),
      });
      const plugin = makePlugin({
        setup: () => sleep(30),
        health: () => sleep(30).then(() => ({ plugin: "test", status: "HEALTHY" as const })),
        executeAction: () => sleep(30).then(() => ({ success: true })),
      });
      registry.register(plugin);
      expect(await registry.setupAllPending()).toEqual({ ready: ["test"], failed: [] });
      expect(await registry.health("test")).toMatchObject({ status: "HEALTHY" });
      expect(await registry.execute("test", "confirm", {})).toEqual({ success: true });
      const call = registry.execute("test", "echo", {});
      await sleep(1);
      expect(await registry.shutdown()).toMatchObject({ abortedCalls: 0, tornDown: ["test"] });
      expect(await call).toEqual({ success: true });
    });
    expect(warnings).toEqual([]);
  });

  it("setup, health and approval limits above 2^31 - 1 ms wait for the answer instead of failing after 1 ms", async () => {
    const warnings = await warningsDuring("TimeoutOverflowWarning", async () => {
      const { registry } = makeRegistry({
        setupTimeoutMs: THIRTY_DAYS,
        healthTimeoutMs: MAX + 1,
        approvalTimeoutMs: THIRTY_DAYS,
        approver: () => sleep(30).then(() => ({ approved: true })),
      });
      registry.register(
        makePlugin({
          setup: () => sleep(30),
          health: () => sleep(30).then(() => ({ plugin: "test", status: "HEALTHY" as const })),
        }),
      );
      expect(await registry.setupAllPending()).toEqual({ ready: ["test"], failed: [] });
      expect(await registry.health("test")).toMatchObject({ status: "HEALTHY" });
      expect(await registry.execute("test", "confirm", {})).toMatchObject({ success: true });
    });
    expect(warnings).toEqual([]);
  });
});
