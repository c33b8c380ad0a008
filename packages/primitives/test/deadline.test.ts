import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortedError,
  InvalidOptionsError,
  MAX_TIMER_MS,
  TimeoutError,
  checkTimeLimit,
  delay,
  isTimeLimit,
  onAbort,
  startTimer,
  withDeadline,
} from "../src/index.js";
import { expectLateRejectionHandled, expectLongLimitHonoured, never } from "./deadline-checks.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("isTimeLimit and checkTimeLimit", () => {
  it("accept numbers above 0 and Infinity, nothing else", () => {
    for (const ok of [1, 0.5, 30_000, MAX_TIMER_MS + 1, Infinity]) expect(isTimeLimit(ok)).toBe(true);
    for (const bad of [0, -1, NaN, -Infinity, "100", null, undefined, 10n, true]) expect(isTimeLimit(bad)).toBe(false);
  });

  it("name the option and show what was given", () => {
    expect(checkTimeLimit("PluginRegistry", "timeoutMs", 50)).toBe(50);
    const error = (() => {
      try {
        checkTimeLimit("PluginRegistry", "timeoutMs", "50");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error).toMatchObject({ option: "timeoutMs", code: "CORTEX_INVALID_OPTIONS" });
    expect((error as Error).message).toBe(
      'PluginRegistry: timeoutMs must be a number of milliseconds > 0, or Infinity for no limit; got "50"',
    );
  });
});

describe("startTimer", () => {
  it("fires once after the delay, and not at all when cancelled", () => {
    vi.useFakeTimers();
    const fired: string[] = [];
    startTimer(100, () => fired.push("a"));
    const cancel = startTimer(100, () => fired.push("b"));
    cancel();
    vi.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(["a"]);
  });

  it("sets no timer for Infinity", () => {
    vi.useFakeTimers();
    startTimer(Infinity, () => undefined)();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("honours delays past 2^31-1 ms in full instead of firing at once", () => {
    vi.useFakeTimers();
    const thirtyDays = 30 * 24 * 3600 * 1000;
    let fired = false;
    const cancel = startTimer(thirtyDays, () => (fired = true));
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(thirtyDays - MAX_TIMER_MS - 1);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(true);
    cancel();
  });

  it("can be cancelled while re-armed", () => {
    vi.useFakeTimers();
    let fired = false;
    const cancel = startTimer(MAX_TIMER_MS * 2, () => (fired = true));
    vi.advanceTimersByTime(MAX_TIMER_MS + 10);
    cancel();
    vi.advanceTimersByTime(MAX_TIMER_MS * 2);
    expect(fired).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("onAbort", () => {
  it("keeps one listener on the signal however many wait, and none once they leave", () => {
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    const leave = Array.from({ length: 50 }, () => onAbort(controller.signal, () => undefined));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    for (const each of leave) each();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    process.off("warning", onWarning);
    expect(warnings).toEqual([]);
  });

  it("calls every waiter once when the signal aborts, even the same function twice, and not those that left", () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const listener = () => calls.push("same");
    onAbort(controller.signal, listener);
    onAbort(controller.signal, listener);
    const leave = onAbort(controller.signal, () => calls.push("left"));
    onAbort(controller.signal, () => calls.push("other"));
    leave();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(["same", "same", "other"]);
  });

  it("calls at once for a signal aborted already", () => {
    let called = 0;
    onAbort(AbortSignal.abort(), () => called++)();
    expect(called).toBe(1);
  });

  it("still calls the other waiters when one throws", async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on("uncaughtException", onError);
    onAbort(controller.signal, () => {
      throw new Error("bad waiter");
    });
    onAbort(controller.signal, () => calls.push("next"));
    // vitest reports uncaught errors of the test file; swallow this one on purpose.
    const listeners = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    process.on("uncaughtException", onError);
    controller.abort();
    await new Promise((r) => setImmediate(r));
    process.removeAllListeners("uncaughtException");
    for (const l of listeners) process.on("uncaughtException", l);
    expect(calls).toEqual(["next"]);
    expect(errors).toHaveLength(1);
  });
});

describe("withDeadline", () => {
  it("settles like the work when it finishes in time, and clears its timer", async () => {
    vi.useFakeTimers();
    await expect(withDeadline(Promise.resolve(7), { timeoutMs: 1000 })).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error("no")), { timeoutMs: 1000 })).rejects.toThrow("no");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with a TimeoutError, or the caller's error, when the time is up", async () => {
    vi.useFakeTimers();
    const late = withDeadline(never(), { timeoutMs: 50 });
    const custom = withDeadline(never(), { timeoutMs: 50, timeoutError: (ms) => new Error(`over ${ms}`) });
    vi.advanceTimersByTime(50);
    await expect(late).rejects.toBeInstanceOf(TimeoutError);
    await expect(late).rejects.toMatchObject({ code: "CORTEX_TIMEOUT", timeoutMs: 50 });
    await expect(custom).rejects.toThrow("over 50");
  });

  it("rejects at once when the signal aborts, and leaves no listener on it", async () => {
    const controller = new AbortController();
    const running = withDeadline(never(), { timeoutMs: 60_000, signal: controller.signal });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    const reason = new Error("stop");
    controller.abort(reason);
    await expect(running).rejects.toBeInstanceOf(AbortedError);
    await expect(running).rejects.toMatchObject({ cause: reason });
    const done = new AbortController();
    await withDeadline(Promise.resolve(1), { signal: done.signal });
    expect(getEventListeners(done.signal, "abort")).toHaveLength(0);
  });

  it("rejects before starting the work when the signal is aborted already", async () => {
    let started = false;
    const work = async () => {
      started = true;
    };
    await expect(withDeadline(work, { signal: AbortSignal.abort("gone") })).rejects.toMatchObject({
      code: "CORTEX_ABORTED",
      cause: "gone",
    });
    await expect(
      withDeadline(work, { signal: AbortSignal.abort("gone"), abortError: (r) => new Error(`mine: ${String(r)}`) }),
    ).rejects.toThrow("mine: gone");
    expect(started).toBe(false);
  });

  it("hands function work a signal that aborts when the deadline passes", async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const running = withDeadline(
      (signal) => {
        seen = signal;
        return never();
      },
      { timeoutMs: 10 },
    );
    expect(seen?.aborted).toBe(false);
    vi.advanceTimersByTime(10);
    await expect(running).rejects.toBeInstanceOf(TimeoutError);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(TimeoutError);
  });

  it("hands function work the caller's own signal when there is no time limit", async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await withDeadline(
      (signal) => {
        seen = signal;
        return 1;
      },
      { signal: controller.signal },
    );
    expect(seen).toBe(controller.signal);
  });

  it("turns a synchronous throw into a rejection", async () => {
    await expect(
      withDeadline(() => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
  });

  it("never leaves a late rejection unhandled", async () => {
    await expectLateRejectionHandled((work) => withDeadline(work, { timeoutMs: 5 }));
  });

  it("honours a limit past 2^31-1 ms instead of expiring at once", async () => {
    await expectLongLimitHonoured((work) => withDeadline(work, { timeoutMs: MAX_TIMER_MS + 5000 }));
  });
});

describe("delay", () => {
  it("resolves after the time, or rejects when the signal aborts", async () => {
    vi.useFakeTimers();
    let done = false;
    void delay(100).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(100);
    expect(done).toBe(true);
    const controller = new AbortController();
    const waiting = delay(100, { signal: controller.signal });
    controller.abort("stop");
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    expect(vi.getTimerCount()).toBe(0);
  });
});
