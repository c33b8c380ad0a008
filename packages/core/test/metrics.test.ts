import { HOOK_NAMES } from "@cortex/hooks";
import { describe, expect, it, vi } from "vitest";
import { MetricsExtension } from "../src/index.js";
import { call, setup, withFakeClock } from "./support.js";

describe("MetricsExtension", () => {
  it("counts every hook and summarizes run, step, tool and model durations", async () => {
    const metrics = new MetricsExtension();
    const { engine } = setup([call("notes__add", { text: "a" }), call("notes__explode", {}), { content: "done" }], {
      extensions: [metrics],
    });
    await engine.run("assistant", "x");
    await engine.shutdown();
    const snapshot = metrics.snapshot();
    expect(Object.keys(snapshot.counters).sort()).toEqual([...HOOK_NAMES].sort());
    expect(snapshot.counters).toMatchObject({
      runStarted: 1,
      runCompleted: 1,
      runFailed: 0,
      stepStarted: 3,
      stepCompleted: 3,
      toolCalled: 2,
      toolCompleted: 1,
      toolFailed: 1,
      shutdown: 1,
      personaResolved: 0,
      modelCalled: 3,
      modelCompleted: 3,
      modelFailed: 0,
    });
    expect(snapshot.durations.models.count).toBe(3);
    expect(snapshot.durations.runs.count).toBe(1);
    expect(snapshot.durations.steps.count).toBe(3);
    expect(snapshot.durations.tools.count).toBe(2);
    for (const summary of Object.values(snapshot.durations)) {
      expect(summary.p50).toBeLessThanOrEqual(summary.p95);
      expect(summary.p95).toBeLessThanOrEqual(summary.max);
      expect(summary.sum).toBeGreaterThanOrEqual(summary.max);
    }
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });

  it("sums the tokens of every model call that reported them", async () => {
    const metrics = new MetricsExtension();
    const usage = { inputTokens: 7, outputTokens: 3 };
    const { engine } = setup(
      [{ ...call("notes__list", {}), usage }, { content: "done" }, { content: "again", usage }],
      {
        extensions: [metrics],
      },
    );
    await engine.run("assistant", "x");
    await engine.run("assistant", "y");
    expect(metrics.snapshot().tokens).toEqual({ input: 14, output: 6 });
    expect(metrics.snapshot().counters.modelCompleted).toBe(3);
  });

  it("computes percentiles over the samples", () => {
    const metrics = new MetricsExtension();
    for (let i = 1; i <= 100; i++) metrics.onStepCompleted({ runId: "r", stepIndex: i, elapsedMs: i });
    expect(metrics.snapshot().durations.steps).toEqual({ count: 100, sum: 5050, p50: 50, p95: 95, max: 100 });
  });

  it("measures failed runs from their start", async () => {
    const metrics = new MetricsExtension();
    const { engine } = setup([call("unknown__tool", {})], { extensions: [metrics] });
    await engine.run("assistant", "x");
    expect(metrics.snapshot().counters.runFailed).toBe(1);
    expect(metrics.snapshot().durations.runs.count).toBe(1);
  });
});

describe("metrics", () => {
  it("do not count the wait for a human as tool time", async () => {
    // In faked time the clock moves only while the human decides: the steps' own work takes none of it.
    await withFakeClock(async () => {
      const metrics = new MetricsExtension();
      const { engine } = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
        extensions: [metrics],
      });
      const paused = await engine.run("assistant", "x");
      await vi.advanceTimersByTimeAsync(150);
      await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: false });
      const { tools, steps } = metrics.snapshot().durations;
      expect(tools.count).toBe(0);
      expect(steps.max).toBeLessThan(100);
    });
  });
});

describe("metrics durations", () => {
  it("are fractional milliseconds: a step far below 1 ms is measured, not 0", async () => {
    const metrics = new MetricsExtension();
    const { engine } = setup([call("notes__add", { text: "a" }), { content: "done" }], { extensions: [metrics] });
    for (let i = 0; i < 5; i++) await engine.run("assistant", "x");
    const { runs, steps, tools } = metrics.snapshot().durations;
    for (const summary of [runs, steps, tools]) {
      expect(summary.count).toBeGreaterThan(0);
      expect(summary.sum).toBeGreaterThan(0);
    }
    expect([runs.sum, steps.sum, tools.sum].some((sum) => !Number.isInteger(sum))).toBe(true);
  });

  it("refuses a window that is not an integer ≥ 1", () => {
    for (const window of [0, -1, 1.5, Number.NaN]) {
      expect(() => new MetricsExtension({ window })).toThrow(expect.objectContaining({ option: "window" }));
    }
  });
});
