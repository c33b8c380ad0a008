import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { discoverPlugins, InvalidOptionsError, type DiscoveryReport, type DiscoveryResult } from "../src/index.js";
import { LATE_FACTORY_FLAG, LATE_MS, makeTimeoutHost, type TimeoutPackage } from "./discovery-timeout-fixtures.js";
import { makeRegistry } from "./fixtures.js";

/** Waits (real I/O: reading packages, importing modules) until a faked timer is armed. */
async function armedTimer(): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (vi.getTimerCount() === 0 && performance.now() < deadline) await new Promise((r) => setImmediate(r));
  expect(vi.getTimerCount()).toBe(1);
}

const hosts: { root: string }[] = [];
const host = (deps?: readonly TimeoutPackage[]) => {
  const made = makeTimeoutHost(deps);
  hosts.push(made);
  return made;
};
afterAll(() => {
  for (const { root } of hosts) rmSync(root, { recursive: true, force: true });
});

// Long enough that a loaded machine importing the healthy packages stays far below the 4 × LIMIT a one-by-one
// load would take (below LATE_MS, so the late packages still miss it).
const LIMIT = 4_000;

describe("discovery load time limit", () => {
  const { registry, logger } = makeRegistry();
  let report: DiscoveryReport;
  let elapsed: number;

  it("reports hung modules and factories as CORTEX_PLUGIN_LOAD_FAILED and registers the healthy packages", async () => {
    const { app } = host();
    delete (globalThis as Record<string, unknown>)[LATE_FACTORY_FLAG];
    const started = performance.now();
    report = await registry.discoverAndRegister({ cwd: app, loadTimeoutMs: LIMIT });
    elapsed = performance.now() - started;

    expect(report.registered).toEqual([
      { name: "quick", package: "mixed" },
      { name: "good", package: "good" },
    ]);
    expect(registry.names().sort()).toEqual(["good", "quick"]);
    expect(report.skipped).toEqual([]);
    // Dependency order (then entry order), not the order the failures happened in:
    // fails-fast fails at once, the others only when the limit passes.
    expect(report.failed.map((f) => [f.package, f.plugin])).toEqual([
      ["hang-import", "hang-import"],
      ["hang-factory", "hang-factory"],
      ["late-import", "late-import"],
      ["late-factory", "late-factory"],
      ["mixed", "slow"],
      ["fails-fast", "fails-fast"],
    ]);
    for (const f of report.failed.slice(0, 5)) {
      expect(f.error.code).toBe("CORTEX_PLUGIN_LOAD_FAILED");
      expect(f.error.message).toContain(`package "${f.package}"`);
      expect(f.error.message).toContain(`cortex.plugins["${f.plugin}"]`);
      expect(f.error.message).toContain(`did not load within ${LIMIT} ms`);
      expect(f.error.message).toMatch(/keeps running in the background/);
    }
    expect(report.failed[5]!.error).toMatchObject({ code: "CORTEX_PLUGIN_LOAD_FAILED", message: /fails at once/ });
    expect(logger.lines.filter((l) => l.level === "warn")).toHaveLength(6);
  });

  it("gives each entry the limit, loading them concurrently (a hung package costs one limit, not one each)", () => {
    expect(elapsed).toBeGreaterThanOrEqual(LIMIT - 5);
    // Five entries hang; one after another they would take 5 × LIMIT (package by package, 4 × LIMIT): the bound
    // leaves 1.5 × LIMIT (6 s) for a loaded machine's imports on either side.
    expect(elapsed).toBeLessThan(2.5 * LIMIT);
  });

  it("never runs the factory of an entry it gave up on, and ignores a late import failure", async () => {
    await sleep(LATE_MS + 200);
    // The late module finished importing after the limit; its factory must not run.
    expect((globalThis as Record<string, unknown>)[LATE_FACTORY_FLAG]).toBeUndefined();
    // The late-import module rejected by now: vitest fails the run on an unhandled rejection.
    expect(registry.names().sort()).toEqual(["good", "quick"]);
  });
});

describe("discovery load time limit option", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("defaults to 10 000 ms", async () => {
    const { app } = host(["hang-factory"]);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    let settled: DiscoveryResult | undefined;
    const discovery = discoverPlugins({ cwd: app }).then((r) => (settled = r));
    await armedTimer();
    await vi.advanceTimersByTimeAsync(9_999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const result = await discovery;
    expect(result.plugins).toEqual([]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ package: "hang-factory", plugin: "hang-factory" });
    expect(result.failed[0]!.error).toMatchObject({ code: "CORTEX_PLUGIN_LOAD_FAILED", message: /within 10000 ms/ });
  });

  it("waits out a limit longer than one timer can hold (2^31 - 1 ms)", async () => {
    const { app } = host(["hang-factory"]);
    const limit = 2 ** 31 + 1_000;
    // A limit past one timer's reach is re-armed by the clock, so the clock is faked too.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    let settled: DiscoveryResult | undefined;
    const discovery = discoverPlugins({ cwd: app, loadTimeoutMs: limit }).then((r) => (settled = r));
    await armedTimer();
    await vi.advanceTimersByTimeAsync(limit - 1);
    expect(settled).toBeUndefined();
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const result = await discovery;
    expect(result.failed[0]!.error).toMatchObject({
      code: "CORTEX_PLUGIN_LOAD_FAILED",
      message: new RegExp(`within ${limit} ms`),
    });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("accepts Infinity and huge limits without a timer overflow", async () => {
    const { app } = host(["good", "fails-fast"]);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      for (const loadTimeoutMs of [Infinity, 2 ** 31, Number.MAX_VALUE]) {
        const result = await discoverPlugins({ cwd: app, loadTimeoutMs });
        expect(result.plugins.map((p) => p.name)).toEqual(["good"]);
        expect(result.failed.map((f) => f.package)).toEqual(["fails-fast"]);
      }
      await sleep(20);
    } finally {
      process.off("warning", onWarning);
    }
    // setTimeout given more than 2^31 - 1 ms warns (TimeoutOverflowWarning) and fires at once.
    expect(warnings.map((w) => w.name)).toEqual([]);
  });

  it("clears its timers, so nothing keeps the process alive after discovery", async () => {
    const { app } = host(["good", "fails-fast"]);
    const set = vi.spyOn(globalThis, "setTimeout");
    const clear = vi.spyOn(globalThis, "clearTimeout");
    try {
      const result = await discoverPlugins({ cwd: app, loadTimeoutMs: 60_000 });
      expect(result.plugins.map((p) => p.name)).toEqual(["good"]);
      expect(result.failed.map((f) => f.package)).toEqual(["fails-fast"]);
      // One timer per entry (the loaded one and the failed one); a timer left
      // armed would hold the process for a minute.
      const armed = set.mock.calls.flatMap((call, i) =>
        call[1] === 60_000 ? [set.mock.results[i]!.value as unknown] : [],
      );
      expect(armed).toHaveLength(2);
      const cleared = new Set(clear.mock.calls.map((call) => call[0] as unknown));
      for (const timer of armed) expect(cleared.has(timer)).toBe(true);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });

  it.each([
    ["0", 0],
    ["a negative number", -1],
    ["NaN", Number.NaN],
    ["-Infinity", -Infinity],
    ["a string", "100"],
    ["null", null],
  ])("rejects %s with CORTEX_INVALID_OPTIONS before loading anything", async (_, loadTimeoutMs) => {
    const { app } = host(["good"]);
    const options = { cwd: app, loadTimeoutMs } as unknown as { cwd: string; loadTimeoutMs: number };
    const error: unknown = await discoverPlugins(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error).toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "loadTimeoutMs",
      message: expect.stringMatching(
        /^discovery option "loadTimeoutMs" must be a number > 0 \(or Infinity for no limit\); got /,
      ) as unknown,
    });
    const { registry } = makeRegistry();
    await expect(registry.discoverAndRegister(options)).rejects.toMatchObject({ code: "CORTEX_INVALID_OPTIONS" });
    expect(registry.names()).toEqual([]);
  });
});
