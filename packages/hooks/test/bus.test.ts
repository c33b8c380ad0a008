import { MAX_TIMER_MS } from "@cortex/primitives";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  DuplicateExtensionError,
  HOOKS_DEFAULTS,
  HookBus,
  InvalidOptionsError,
  silentLogger,
  type Extension,
  type Logger,
  type StepStartedEvent,
} from "../src/index.js";
import { deferred, recordingLogger } from "./helpers.js";

const step: StepStartedEvent = { runId: "r1", stepIndex: 0 };

function quietBus(): HookBus {
  return new HookBus({ logger: silentLogger });
}

function recorder(name: string, calls: string[]): Extension {
  return {
    name,
    onStepStarted: () => {
      calls.push(name);
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("HookBus options", () => {
  it("defaults to the console logger and a 5 s flush deadline", () => {
    expect(HOOKS_DEFAULTS.flushTimeoutMs).toBe(5_000);
    expect(() => new HookBus()).not.toThrow();
  });

  it.each([
    [{ logger: {} as Logger }, "logger"],
    [{ logger: { ...silentLogger, warn: 1 } as unknown as Logger }, "logger"],
    [{ flushTimeoutMs: -1 }, "flushTimeoutMs"],
    [{ flushTimeoutMs: Number.NaN }, "flushTimeoutMs"],
    [{ flushTimeoutMs: "5" as unknown as number }, "flushTimeoutMs"],
  ])("rejects %j with CORTEX_INVALID_OPTIONS", (options, option) => {
    let error: unknown;
    try {
      new HookBus(options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect(error).toMatchObject({ code: "CORTEX_INVALID_OPTIONS", option });
  });
});

describe("register / unregister", () => {
  it("tracks names in registration order", () => {
    const bus = quietBus();
    const a: Extension = { name: "a" };
    bus.register(a);
    bus.register({ name: "b" });
    expect(bus.list()).toEqual(["a", "b"]);
    expect(bus.has("a")).toBe(true);
    expect(bus.get("a")).toBe(a);
    expect(bus.get("zzz")).toBeUndefined();
  });

  it("rejects a duplicate name and leaves the first one in place", () => {
    const bus = quietBus();
    const calls: string[] = [];
    bus.register(recorder("dup", calls));
    expect(() =>
      bus.register({
        name: "dup",
        onRunStarted() {
          /* empty */
        },
      }),
    ).toThrow(DuplicateExtensionError);
    try {
      bus.register({ name: "dup" });
    } catch (error) {
      expect(error).toMatchObject({ code: "CORTEX_DUPLICATE_EXTENSION", extension: "dup" });
      expect((error as Error).message).toContain('"dup"');
    }
    expect(bus.hasSubscribers("runStarted")).toBe(false);
    bus.emit("stepStarted", step);
    expect(calls).toEqual(["dup"]);
  });

  it.each([
    ["CORTEX_INVALID_EXTENSION", { name: "" }],
    [
      "CORTEX_UNKNOWN_HOOK",
      {
        name: "x",
        onStepStart() {
          /* empty */
        },
      },
    ],
    ["CORTEX_INVALID_HOOK_HANDLER", { name: "x", onStepStarted: 5 }],
  ])("throws %s at registration and registers nothing", (code, extension) => {
    const bus = quietBus();
    expect(() => bus.register(extension as unknown as Extension)).toThrow(expect.objectContaining({ code }) as Error);
    expect(bus.list()).toEqual([]);
    expect(bus.hasSubscribers("stepStarted")).toBe(false);
  });

  it("unregister removes the extension from every hook and keeps the others' order", () => {
    const bus = quietBus();
    const calls: string[] = [];
    const both = (name: string): Extension => ({
      name,
      onStepStarted: () => void calls.push(`${name}:step`),
      onShutdown: () => void calls.push(`${name}:shutdown`),
    });
    for (const name of ["a", "b", "c", "d"]) bus.register(both(name));
    expect(bus.unregister("b")).toBe(true);
    expect(bus.unregister("b")).toBe(false);
    expect(bus.unregister("never")).toBe(false);
    bus.emit("stepStarted", step);
    bus.emit("shutdown", {});
    expect(calls).toEqual(["a:step", "c:step", "d:step", "a:shutdown", "c:shutdown", "d:shutdown"]);
    expect(bus.list()).toEqual(["a", "c", "d"]);

    for (const name of ["a", "c", "d"]) bus.unregister(name);
    expect(bus.hasSubscribers("stepStarted")).toBe(false);
    bus.register(both("b"));
    calls.length = 0;
    bus.emit("shutdown", {});
    expect(calls).toEqual(["b:shutdown"]);
  });
});

describe("emit", () => {
  it("calls only the extensions that implement the hook, in registration order", () => {
    const bus = quietBus();
    const calls: string[] = [];
    for (const name of ["first", "second", "third"]) bus.register(recorder(name, calls));
    const other = vi.fn();
    bus.register({ name: "other", onRunStarted: other });
    bus.emit("stepStarted", step);
    expect(calls).toEqual(["first", "second", "third"]);
    expect(other).not.toHaveBeenCalled();
  });

  it("passes the same event object and keeps `this` for class methods", () => {
    const bus = quietBus();
    class Counter implements Extension {
      readonly name = "counter";
      received: StepStartedEvent[] = [];
      onStepStarted(event: StepStartedEvent): void {
        this.received.push(event);
      }
    }
    const counter = new Counter();
    bus.register(counter);
    bus.emit("stepStarted", step);
    expect(counter.received[0]).toBe(step);
  });

  it("with no subscribers does nothing and returns undefined", () => {
    const bus = quietBus();
    expect(bus.hasSubscribers("toolCalled")).toBe(false);
    expect(bus.emit("toolCalled", { runId: "r", toolName: "files__read", args: {} })).toBeUndefined();
    bus.register({ name: "run-only", onRunStarted: vi.fn() });
    expect(() => bus.emit("shutdown", {})).not.toThrow();
    expect(bus.pendingCount).toBe(0);
    expect(bus.errorCounts()).toEqual({ total: 0, byExtension: { "run-only": 0 }, byHook: {} });
  });

  it("logs a synchronous throw with hook and extension names, counts it, and runs the rest", () => {
    const logger = recordingLogger();
    const bus = new HookBus({ logger });
    const calls: string[] = [];
    const failure = new Error("sync boom");
    bus.register(recorder("before", calls));
    bus.register({
      name: "thrower",
      onStepStarted: () => {
        throw failure;
      },
    });
    bus.register(recorder("after", calls));
    expect(() => bus.emit("stepStarted", step)).not.toThrow();
    expect(calls).toEqual(["before", "after"]);
    const warning = logger.lines.find((line) => line.level === "warn");
    expect(warning?.fields).toMatchObject({
      hook: "stepStarted",
      method: "onStepStarted",
      extension: "thrower",
      error: failure,
    });
    expect(bus.errorCounts()).toEqual({
      total: 1,
      byExtension: { before: 0, thrower: 1, after: 0 },
      byHook: { stepStarted: 1 },
    });
  });

  it("logs a rejected promise after it rejects, without delaying emit", async () => {
    const logger = recordingLogger();
    const bus = new HookBus({ logger });
    const gate = deferred();
    const failure = new Error("async boom");
    bus.register({
      name: "rejecter",
      onStepStarted: async () => {
        await gate.promise;
        throw failure;
      },
    });
    bus.emit("stepStarted", step);
    expect(bus.pendingCount).toBe(1);
    expect(bus.errorCounts().total).toBe(0);
    gate.resolve();
    const report = await bus.flush(1_000);
    expect(report).toEqual({ settled: 1, timedOut: [] });
    expect(bus.errorCounts().byExtension).toEqual({ rejecter: 1 });
    expect(logger.lines.filter((l) => l.level === "warn").map((l) => l.fields)).toEqual([
      { hook: "stepStarted", method: "onStepStarted", extension: "rejecter", error: failure },
    ]);
  });

  it("never throws even when the logger throws", async () => {
    const throwing: Logger = {
      debug: () => {
        throw new Error("debug");
      },
      info: () => undefined,
      warn: () => {
        throw new Error("warn");
      },
      error: () => undefined,
    };
    const bus = new HookBus({ logger: throwing });
    bus.register({
      name: "bad",
      onStepStarted: () => {
        throw new Error("x");
      },
    });
    bus.register({ name: "worse", onStepStarted: () => Promise.reject(new Error("y")) });
    expect(() => bus.emit("stepStarted", step)).not.toThrow();
    await expect(bus.flush(100)).resolves.toEqual({ settled: 1, timedOut: [] });
    expect(bus.errorCounts().total).toBe(2);
  });

  it("counts a thenable whose then throws, and a then getter that throws", async () => {
    const bus = quietBus();
    bus.register({
      name: "then-throws",
      onStepStarted: () =>
        ({
          then() {
            throw new Error("then");
          },
        }) as unknown as Promise<void>,
    });
    bus.register({
      name: "getter-throws",
      onStepStarted: () =>
        ({
          get then(): never {
            throw new Error("getter");
          },
        }) as unknown as Promise<void>,
    });
    expect(() => bus.emit("stepStarted", step)).not.toThrow();
    await bus.flush(100);
    expect(bus.errorCounts().byExtension).toEqual({ "then-throws": 1, "getter-throws": 1 });
  });

  it("uses a snapshot: extensions added or removed by a hook take effect from the next emit", () => {
    const bus = quietBus();
    const calls: string[] = [];
    bus.register({
      name: "mutator",
      onStepStarted: () => {
        calls.push("mutator");
        bus.unregister("victim");
        if (!bus.has("late")) bus.register(recorder("late", calls));
      },
    });
    bus.register(recorder("victim", calls));
    bus.emit("stepStarted", step);
    expect(calls).toEqual(["mutator", "victim"]);
    calls.length = 0;
    bus.emit("stepStarted", step);
    expect(calls).toEqual(["mutator", "late"]);
  });
});

describe("flush", () => {
  it("resolves at once with nothing pending", async () => {
    await expect(quietBus().flush()).resolves.toEqual({ settled: 0, timedOut: [] });
  });

  it("waits for hook promises, including ones started while it waits", async () => {
    const bus = quietBus();
    const first = deferred();
    const second = deferred();
    let done = 0;
    bus.register({
      name: "chain",
      onStepStarted: async (event) => {
        await (event.stepIndex === 0 ? first.promise : second.promise);
        done++;
      },
    });
    bus.emit("stepStarted", step);
    const flushed = bus.flush(1_000);
    bus.emit("stepStarted", { runId: "r1", stepIndex: 1 });
    first.resolve();
    setTimeout(() => second.resolve(), 10);
    await expect(flushed).resolves.toEqual({ settled: 2, timedOut: [] });
    expect(done).toBe(2);
  });

  it("keeps waiting for a promise returned in the tick in which the others settled", async () => {
    const bus = quietBus();
    const gate = deferred();
    bus.register({ name: "gated", onStepStarted: () => gate.promise });
    bus.register({ name: "hangs", onShutdown: () => new Promise<void>(() => undefined) });
    bus.emit("stepStarted", step);
    await Promise.resolve(); // the bus watches the gated promise
    const flushed = bus.flush(50);
    gate.resolve(); // queues its settle callback before the next emit's watch
    bus.emit("shutdown", {});
    await expect(flushed).resolves.toEqual({
      settled: 1,
      timedOut: [{ hook: "shutdown", extension: "hangs", count: 1 }],
    });
  });

  it("reports hooks that miss the deadline by hook and extension, and logs them", async () => {
    const logger = recordingLogger();
    const bus = new HookBus({ logger });
    bus.register({
      name: "hangs",
      onStepStarted: () => new Promise<void>(() => undefined),
      onShutdown: () => new Promise<void>(() => undefined),
    });
    bus.register({ name: "quick", onStepStarted: async () => undefined });
    bus.emit("stepStarted", step);
    bus.emit("stepStarted", step);
    bus.emit("shutdown", {});
    const report = await bus.flush(20);
    expect(report).toEqual({
      settled: 2,
      timedOut: [
        { hook: "stepStarted", extension: "hangs", count: 2 },
        { hook: "shutdown", extension: "hangs", count: 1 },
      ],
    });
    expect(logger.lines.some((l) => l.level === "warn" && l.message.includes("flush"))).toBe(true);
    expect(bus.pendingCount).toBe(3);
  });

  it("does not hold the process open after it resolves", async () => {
    const bus = quietBus();
    const gate = deferred();
    bus.register({ name: "slow", onStepStarted: () => gate.promise });
    bus.emit("stepStarted", step);
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const flushed = bus.flush(60_000);
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before + 1);
    gate.resolve();
    await flushed;
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before);
  });

  it("uses the bus default deadline and treats a negative timeout as 0", async () => {
    vi.useFakeTimers();
    const bus = new HookBus({ logger: silentLogger, flushTimeoutMs: 1_000 });
    bus.register({ name: "hang", onStepStarted: () => new Promise<void>(() => undefined) });
    bus.emit("stepStarted", step);
    let report: unknown;
    void bus.flush().then((r) => (report = r));
    await vi.advanceTimersByTimeAsync(999);
    expect(report).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(report).toMatchObject({ timedOut: [{ extension: "hang" }] });
    const immediate = bus.flush(-5);
    await vi.advanceTimersByTimeAsync(0);
    await expect(immediate).resolves.toMatchObject({ settled: 0 });
  });

  it("honours a deadline past 2^31-1 ms in full, not after 1 ms", async () => {
    vi.useFakeTimers();
    const bus = quietBus();
    bus.register({ name: "hang", onStepStarted: () => new Promise<void>(() => undefined) });
    bus.emit("stepStarted", step);
    let report: unknown;
    void bus.flush(MAX_TIMER_MS + 1_000).then((r) => (report = r));
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
    expect(report).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(report).toMatchObject({ timedOut: [{ extension: "hang", count: 1 }] });
  });

  it("sets no timer when the deadline is Infinity", async () => {
    const bus = new HookBus({ logger: silentLogger, flushTimeoutMs: Infinity });
    const gate = deferred();
    bus.register({ name: "slow", onStepStarted: () => gate.promise });
    bus.emit("stepStarted", step);
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const flushed = bus.flush();
    expect(process.getActiveResourcesInfo().filter((r) => r === "Timeout").length).toBe(before);
    gate.resolve();
    await expect(flushed).resolves.toEqual({ settled: 1, timedOut: [] });
  });
});

describe("rejections", () => {
  it("counts a promise as pending when emit returns, whatever scheduled the emit, and leaves none unhandled", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      const bus = quietBus();
      bus.register({ name: "sync-reject", onStepStarted: () => Promise.reject(new Error("now")) });
      bus.register({ name: "resolves", onStepStarted: async () => undefined });
      const pendingAfterEmit: number[] = [];
      const emitOnce = (): void => {
        const before = bus.pendingCount;
        bus.emit("stepStarted", step);
        pendingAfterEmit.push(bus.pendingCount - before);
      };
      emitOnce();
      process.nextTick(emitOnce);
      queueMicrotask(emitOnce);
      setImmediate(emitOnce);
      setTimeout(emitOnce, 1);
      void Promise.resolve().then(() => queueMicrotask(emitOnce));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setImmediate(resolve));
      expect(pendingAfterEmit).toEqual([2, 2, 2, 2, 2, 2]);
      await expect(bus.flush(100)).resolves.toMatchObject({ timedOut: [] });
      expect(unhandled).toEqual([]);
      expect(bus.errorCounts().byExtension).toEqual({ "sync-reject": 6, resolves: 0 });
    } finally {
      process.off("unhandledRejection", listener);
    }
  });

  it("watches what a Promise subclass's then emits while its own promise is being watched", async () => {
    const bus = quietBus();
    let nested = 0;
    class Chatty<T> extends Promise<T> {
      override then<A = T, B = never>(
        onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
        onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
      ): Promise<A | B> {
        nested++;
        bus.emit("shutdown", {});
        return super.then(onFulfilled, onRejected);
      }
    }
    bus.register({ name: "chatty", onStepStarted: () => Chatty.resolve() });
    bus.register({ name: "late", onShutdown: () => Promise.reject(new Error("late")) });
    bus.emit("stepStarted", step);
    expect(bus.pendingCount).toBe(1);
    const report = await bus.flush(100);
    expect(report.timedOut).toEqual([]);
    expect(bus.pendingCount).toBe(0);
    expect(nested).toBe(1);
    expect(bus.errorCounts().byExtension).toEqual({ chatty: 0, late: 1 });
  });

  it("never surfaces a rejecting hook as an unhandled rejection, sync Promise.reject included", async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      const bus = quietBus();
      bus.register({ name: "sync-reject", onStepStarted: () => Promise.reject(new Error("now")) });
      bus.register({
        name: "async-reject",
        onStepStarted: async () => {
          throw new Error("later");
        },
      });
      for (let i = 0; i < 5; i++) bus.emit("stepStarted", step);
      // Let Node's unhandled-rejection check run (after the microtask queue drains).
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 5));
      await bus.flush(100);
      expect(unhandled).toEqual([]);
      expect(bus.errorCounts().byExtension).toEqual({ "sync-reject": 5, "async-reject": 5 });
    } finally {
      process.off("unhandledRejection", listener);
    }
  });
});
