import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AbortedError, DeadlineSeries, MAX_TIMER_MS, TimeoutError } from "../src/index.js";
import { expectLateRejectionHandled, expectLongLimitHonoured, never } from "./deadline-checks.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("DeadlineSeries", () => {
  it("settles each race like its work when it finishes in time, with one timer for the series", async () => {
    vi.useFakeTimers();
    const series = new DeadlineSeries({ timeoutMs: 1000 });
    await expect(series.race(Promise.resolve(7))).resolves.toBe(7);
    await expect(series.race(Promise.reject(new Error("no")))).rejects.toThrow("no");
    await expect(series.race(Promise.resolve(8))).resolves.toBe(8);
    expect(vi.getTimerCount()).toBe(1);
    series.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("gives every race its full time, counted from when that race began", async () => {
    vi.useFakeTimers();
    const series = new DeadlineSeries({ timeoutMs: 50 });
    await series.race(Promise.resolve(1));
    vi.advanceTimersByTime(30);
    let outcome: unknown = "pending";
    void series.race(never()).catch((error: unknown) => (outcome = error));
    // 50 ms after the first race began: the second has had only 20 of its 50.
    await vi.advanceTimersByTimeAsync(20);
    expect(outcome).toBe("pending");
    await vi.advanceTimersByTimeAsync(30);
    expect(outcome).toMatchObject({ code: "CORTEX_TIMEOUT", timeoutMs: 50 });
    series.close();
  });

  it("does nothing when its timer runs out between races, and the next race still gets its full time", async () => {
    vi.useFakeTimers();
    const series = new DeadlineSeries({ timeoutMs: 20, timeoutError: (ms) => new Error(`over ${ms}`) });
    await series.race(Promise.resolve(1));
    await vi.advanceTimersByTimeAsync(100);
    let outcome: unknown = "pending";
    void series.race(never()).catch((error: unknown) => (outcome = error));
    await vi.advanceTimersByTimeAsync(19);
    expect(outcome).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toMatchObject({ message: "over 20" });
    series.close();
  });

  it("rejects the running race when the signal aborts, and every later race at once, with one listener", async () => {
    const controller = new AbortController();
    const series = new DeadlineSeries({ timeoutMs: 60_000, signal: controller.signal });
    await series.race(Promise.resolve(1));
    const running = series.race(never());
    await series.race(Promise.resolve(2)).catch(() => undefined);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(running).rejects.toMatchObject({ code: "CORTEX_ABORTED", cause: reason });
    await expect(series.race(Promise.resolve(3))).rejects.toBeInstanceOf(AbortedError);
    const mine = new DeadlineSeries({ signal: controller.signal, abortError: (r) => new Error(`mine: ${String(r)}`) });
    await expect(mine.race(Promise.resolve(4))).rejects.toThrow("mine: Error: stop");
    series.close();
    mine.close();
  });

  it("gives a race that begins while another runs a deadline of its own", async () => {
    vi.useFakeTimers();
    const series = new DeadlineSeries({ timeoutMs: 50 });
    const first = series.race(never());
    await vi.advanceTimersByTimeAsync(30);
    const second = series.race(never());
    const outcomes: string[] = [];
    void first.catch(() => outcomes.push("first"));
    void second.catch(() => outcomes.push("second"));
    await vi.advanceTimersByTimeAsync(20);
    expect(outcomes).toEqual(["first"]);
    await vi.advanceTimersByTimeAsync(30);
    expect(outcomes).toEqual(["first", "second"]);
    await expect(second).rejects.toBeInstanceOf(TimeoutError);
    series.close();
  });

  it("removes its listener and its timer on close, and races after close still keep their deadline", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const series = new DeadlineSeries({ timeoutMs: 50, signal: controller.signal });
    await series.race(Promise.resolve(1));
    series.close();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    const late = series.race(never());
    vi.advanceTimersByTime(50);
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
  });

  it("never leaves a late rejection unhandled", async () => {
    const series = new DeadlineSeries({ timeoutMs: 5 });
    await expectLateRejectionHandled((work) => series.race(work));
    series.close();
  });

  it("honours a limit past 2^31-1 ms, and sets no timer without a limit", async () => {
    const long = new DeadlineSeries({ timeoutMs: MAX_TIMER_MS + 5000 });
    await expectLongLimitHonoured((work) => long.race(work));
    const none = new DeadlineSeries();
    await expect(none.race(Promise.resolve(1))).resolves.toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
