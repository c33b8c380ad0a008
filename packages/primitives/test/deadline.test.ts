import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AbortedError,
  DeadlineSeries,
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

afterEach(() => {
  vi.useRealTimers();
});

const never = <T = never>(): Promise<T> => new Promise<T>(() => undefined);

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

/** Races work that rejects only after its 5 ms deadline (through `race`), and checks that late rejection is handled. */
async function expectLateRejectionHandled(race: (work: Promise<never>) => Promise<unknown>): Promise<void> {
  vi.useFakeTimers();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  let fail!: (e: Error) => void;
  const running = race(new Promise<never>((_, reject) => (fail = reject)));
  vi.advanceTimersByTime(5);
  await expect(running).rejects.toBeInstanceOf(TimeoutError);
  fail(new Error("late"));
  vi.useRealTimers();
  await new Promise((r) => setImmediate(r));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
}

/** Checks that `race`, given a limit of 2^31-1 ms plus 5 s, expires then, not at 2^31-1 ms nor at once. */
async function expectLongLimitHonoured(race: (work: Promise<never>) => Promise<unknown>): Promise<void> {
  vi.useFakeTimers();
  let state = "pending";
  race(never()).catch(() => (state = "expired"));
  await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
  expect(state).toBe("pending");
  await vi.advanceTimersByTimeAsync(5000);
  expect(state).toBe("expired");
}

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
