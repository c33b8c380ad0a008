import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { withTimeout } from "../src/approval.js";
import { ActionCall, createCallHost } from "../src/call.js";
import { timerDelay, type Lane } from "../src/deadlines.js";
import { MAX_TIMER_MS } from "../src/long-timer.js";
import { runSetup } from "../src/lifecycle.js";
import { InvalidOptionsError } from "../src/options-error.js";
import { Redactor } from "../src/redact.js";
import { buildEntry } from "../src/registration.js";
import { createAjv } from "../src/validation.js";
import {
  ActionTier,
  approvalId,
  CortexError,
  isCortexError,
  MemoryBroker,
  silentLogger,
  type Plugin,
  type PluginResult,
} from "../src/index.js";
import { makePlugin, makeRegistry, recordingLogger, sleep } from "./fixtures.js";

const MAX = 2 ** 31 - 1; // the longest delay setTimeout honours; longer ones run after 1 ms
const THIRTY_DAYS = 30 * 24 * 3_600_000; // 2.59e9 ms: above MAX

/** Collects unhandled rejections while `run` goes on (and a turn after it). */
async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => void seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await run();
    await sleep(20);
  } finally {
    process.off("unhandledRejection", listener);
  }
  return seen;
}

/** Collects Node's TimeoutOverflowWarning (a delay above 2^31 - 1 ms, run after 1 ms instead). */
async function overflowWarningsDuring(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (warning: Error) => {
    if (warning.name === "TimeoutOverflowWarning") seen.push(warning.message);
  };
  process.on("warning", listener);
  try {
    await run();
    await sleep(20);
  } finally {
    process.off("warning", listener);
  }
  return seen;
}

/** A result whose `success` getter throws, like a lazy wrapper around a missing response. */
class LazyResult {
  constructor(private readonly response?: { ok: boolean }) {}
  get success(): boolean {
    return this.response!.ok;
  }
}

describe("A: a plugin result that throws when read settles the call, never an unhandled rejection", () => {
  it.each([
    ["resolves to", (value: unknown) => Promise.resolve(value)],
    ["returns", (value: unknown) => value],
  ])(
    "a plugin that %s an object whose `success` getter throws gets CORTEX_INVALID_RESULT, logged",
    async (_label, give) => {
      const { registry, logger } = makeRegistry();
      registry.register(makePlugin({ executeAction: () => give(new LazyResult()) as PluginResult }));
      let result: PluginResult | undefined;
      const unhandled = await unhandledDuring(async () => {
        result = await registry.execute("test", "echo", {});
      });
      expect(unhandled).toEqual([]);
      expect(result).toMatchObject({ success: false, code: "CORTEX_INVALID_RESULT" });
      expect(result?.error).toMatch(
        /"test\.echo" returned a result that threw when read \(.*reading 'ok'.*\), not a PluginResult/,
      );
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          level: "error",
          fields: expect.objectContaining({ code: "CORTEX_INVALID_RESULT" }) as object,
        }),
      );
    },
  );

  it("a failure whose `error` getter throws, and a proxy result, settle the same way", async () => {
    const badError = {
      success: false,
      get error(): string {
        throw new Error("no error text");
      },
    };
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    // An async plugin resolving to the proxy rejects already (resolving reads `then`): a plugin error.
    const cases: [() => unknown, string][] = [
      [() => badError, "CORTEX_INVALID_RESULT"],
      [async () => badError, "CORTEX_INVALID_RESULT"],
      [() => proxy, "CORTEX_INVALID_RESULT"],
      [async () => proxy, "CORTEX_PLUGIN_ERROR"],
    ];
    for (const [executeAction, code] of cases) {
      const { registry } = makeRegistry();
      registry.register(makePlugin({ executeAction: executeAction as () => PluginResult }));
      let result: PluginResult | undefined;
      const unhandled = await unhandledDuring(async () => {
        result = await registry.execute("test", "echo", {});
      });
      expect(unhandled).toEqual([]);
      expect(result).toMatchObject({ success: false, code });
    }
  });

  it("a thenable whose `then` getter or call throws, and a rejection whose message throws, are coded failures", async () => {
    const unreadable = Object.defineProperty(Object.create(Error.prototype) as Error, "message", {
      get(): string {
        throw new Error("message getter");
      },
    });
    const cases: [() => unknown, string][] = [
      [
        () => ({
          get then() {
            throw new Error("then getter");
          },
        }),
        "CORTEX_INVALID_RESULT",
      ],
      [
        () => ({
          then() {
            throw new Error("then call");
          },
        }),
        "CORTEX_PLUGIN_ERROR",
      ],
      [() => Promise.reject(unreadable), "CORTEX_PLUGIN_ERROR"],
      [
        () => {
          throw unreadable;
        },
        "CORTEX_PLUGIN_ERROR",
      ],
    ];
    for (const [executeAction, code] of cases) {
      const { registry } = makeRegistry();
      registry.register(makePlugin({ executeAction: executeAction as () => PluginResult }));
      let result: PluginResult | undefined;
      const unhandled = await unhandledDuring(async () => {
        result = await registry.execute("test", "echo", {});
      });
      expect(unhandled).toEqual([]);
      expect(result).toMatchObject({ success: false, code });
    }
  });

  it("a logger that throws while a failure is logged still lets the call settle", async () => {
    const logger = {
      ...recordingLogger(),
      error: () => {
        throw new Error("logger down");
      },
    };
    const { registry } = makeRegistry({ logger, timeoutMs: 300 });
    registry.register(makePlugin({ executeAction: () => Promise.reject(new Error("kaput")) }));
    let result: PluginResult | undefined;
    const unhandled = await unhandledDuring(async () => {
      result = await registry.execute("test", "echo", {});
    });
    expect(unhandled).toEqual([]);
    expect(result).toMatchObject({ success: false, code: "CORTEX_PLUGIN_ERROR", error: '"test.echo" threw: kaput' });
  });

  it("in a child process (like the review script), the process does not crash and the caller gets the result", async () => {
    const run = await runScript(
      "lazy-result",
      `class LazyResult { get success() { return undefined.ok; } }
const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, timeoutMs: 500 });
registry.register(plugin(async () => new LazyResult()));
const result = await registry.execute("p", "a", {});
console.log(JSON.stringify(result));`,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ success: false, code: "CORTEX_INVALID_RESULT" });
  });
});

describe("B: a setup that finishes after its timeout is torn down", () => {
  it("tears down what the late setup acquired (once, with a warning); the plugin stays failed", async () => {
    let interval: ReturnType<typeof setInterval> | undefined;
    const plugin = makePlugin({
      setup: async () => {
        await sleep(60);
        interval = setInterval(() => undefined, 1_000);
      },
      teardown: () => {
        plugin.teardowns++;
        clearInterval(interval);
        interval = undefined;
      },
    });
    const { registry, logger } = makeRegistry({ setupTimeoutMs: 20 });
    registry.register(plugin);
    const report = await registry.setupAllPending();
    expect(report.failed.map((f) => (f.error as { code?: string }).code)).toEqual(["CORTEX_TIMEOUT"]);
    expect(plugin.teardowns).toBe(0);
    await sleep(120);
    expect(plugin.teardowns).toBe(1);
    expect(interval).toBeUndefined();
    expect(registry.state("test")).toBe("failed");
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: expect.stringContaining("finished after it had timed out") as string,
      }),
    );
    // Shutdown does not tear it down a second time: it never became ready.
    expect((await registry.shutdown()).tornDown).toEqual([]);
    expect(plugin.teardowns).toBe(1);
  });

  it("also when shutdown ran in between; a late teardown that hangs or throws is logged, never thrown", async () => {
    for (const teardown of [
      () => new Promise<void>(() => undefined),
      () => Promise.reject(new Error("cannot close")),
    ]) {
      let teardowns = 0;
      const plugin = makePlugin({
        setup: () => sleep(40),
        teardown: () => {
          teardowns++;
          return teardown();
        },
      });
      const { registry, logger } = makeRegistry({ setupTimeoutMs: 10, shutdownTimeoutMs: 30 });
      registry.register(plugin);
      const unhandled = await unhandledDuring(async () => {
        await registry.setupAllPending();
        await registry.shutdown();
        await sleep(120);
      });
      expect(unhandled).toEqual([]);
      expect(teardowns).toBe(1);
      expect(registry.state("test")).toBe("closed");
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          level: "error",
          message: expect.stringContaining('late teardown of plugin "test" failed') as string,
        }),
      );
    }
  });

  it("a setup that rejects after its timeout is not torn down", async () => {
    const plugin = makePlugin({ setup: () => sleep(40).then(() => Promise.reject(new Error("late failure"))) });
    const { registry } = makeRegistry({ setupTimeoutMs: 10 });
    registry.register(plugin);
    const unhandled = await unhandledDuring(async () => {
      await registry.setupAllPending();
      await sleep(80);
    });
    expect(unhandled).toEqual([]);
    expect(plugin.teardowns).toBe(0);
    expect(registry.state("test")).toBe("failed");
  });

  it("a retry waits for the late setup and its teardown, so setups never overlap and the late one changes nothing", async () => {
    const events: string[] = [];
    let n = 0;
    const plugin = makePlugin({
      setup: async () => {
        const attempt = ++n;
        events.push(`setup ${attempt} start`);
        await sleep(attempt === 1 ? 60 : 5);
        events.push(`setup ${attempt} end`);
      },
      teardown: () => void events.push("teardown"),
    });
    const logger = recordingLogger();
    const host = createCallHost(logger, new Redactor(), { shutdownTimeoutMs: 1_000 });
    const entry = buildEntry(plugin, new Set(), createAjv(), silentLogger);
    const broker = new MemoryBroker();
    await runSetup(host, entry, broker, 10);
    expect(entry.state).toBe("failed");
    // What a registry retrying setup would do.
    entry.state = "pending";
    entry.setupError = undefined;
    await runSetup(host, entry, broker, 1_000);
    expect(entry.state).toBe("ready");
    expect(events).toEqual(["setup 1 start", "setup 1 end", "teardown", "setup 2 start", "setup 2 end"]);
    await sleep(20);
    expect(events).toHaveLength(5);
    expect(entry.state).toBe("ready");
  });
});

describe("C: time limits", () => {
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
    // While pending (the slow path): refused before the lazy setup even starts.
    for (const value of invalid) {
      await expect(registry.execute("test", "echo", {}, { timeoutMs: value as number })).rejects.toMatchObject({
        code: "CORTEX_INVALID_OPTIONS",
        option: "timeoutMs",
        message: expect.stringContaining(`execute option "timeoutMs"`) as string,
      });
    }
    expect(registry.state("test")).toBe("pending");
    expect(plugin.setups).toBe(0);
    // Once ready (the fast path): refused too.
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

  it("a NaN limit no longer leaves a hung call spinning forever: it is refused up front", async () => {
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

  describe("Infinity: no limit, no timer", () => {
    it("a call with timeoutMs Infinity gets no lane timer, waits for its plugin, and shutdown still aborts it", async () => {
      const host = createCallHost(silentLogger, new Redactor());
      const slow = makePlugin({ executeAction: () => sleep(40).then(() => ({ success: true })) }) as unknown as Plugin;
      const pending = ActionCall.start(host, slow, "echo", {}, Infinity, undefined, undefined, undefined);
      const lane = host.lanes.get(Infinity);
      expect(lane?.head).toBeDefined();
      expect(lane?.timer).toBeUndefined();
      expect(await pending).toEqual({ success: true });

      const { registry } = makeRegistry({ timeoutMs: Infinity, shutdownTimeoutMs: 20 });
      registry.register(makePlugin({ executeAction: () => new Promise(() => undefined) }));
      const hung = registry.execute("test", "echo", {});
      await sleep(5);
      expect((await registry.shutdown()).abortedCalls).toBe(1);
      expect(await hung).toMatchObject({ code: "CORTEX_ABORTED" });
    });

    it("setup, health, approval and shutdown limits of Infinity wait instead of failing after 1 ms", async () => {
      const warnings = await overflowWarningsDuring(async () => {
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
  });

  describe("limits above 2^31 - 1 ms are honoured, not turned into 1 ms", () => {
    it("setup, health and approval with a 30-day limit wait for the answer", async () => {
      const warnings = await overflowWarningsDuring(async () => {
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

    it("a call with a 30-day timeout arms its lane timer for at most 2^31 - 1 ms and does not spin", async () => {
      const real = globalThis.setTimeout;
      const spy = vi.spyOn(globalThis, "setTimeout"); // records, and calls the real one
      let result: PluginResult | undefined;
      let delays: unknown[] = [];
      try {
        const warnings = await overflowWarningsDuring(async () => {
          const { registry } = makeRegistry({ timeoutMs: THIRTY_DAYS });
          registry.register(
            makePlugin({ executeAction: () => new Promise((r) => real(() => r({ success: true }), 40)) }),
          );
          await registry.setupAllPending();
          spy.mockClear();
          result = await registry.execute("test", "echo", {});
          delays = spy.mock.calls.map((call) => call[1]);
        });
        expect(warnings).toEqual([]);
      } finally {
        spy.mockRestore();
      }
      expect(result).toEqual({ success: true });
      // One lane timer; before, Node ran the 30-day delay after 1 ms and the lane re-armed every millisecond.
      expect(delays).toEqual([MAX]);
    });

    describe("withTimeout chains timers", () => {
      afterEach(() => void vi.useRealTimers());

      it("rejects exactly when a limit above 2^31 - 1 ms has passed, not after 1 ms", async () => {
        vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
        const limit = MAX + 5_000;
        let outcome = "pending";
        withTimeout(new Promise(() => undefined), limit).then(
          () => (outcome = "resolved"),
          (error: Error) => (outcome = error.message),
        );
        await vi.advanceTimersByTimeAsync(1);
        expect(outcome).toBe("pending");
        await vi.advanceTimersByTimeAsync(MAX - 1);
        expect(outcome).toBe("pending");
        await vi.advanceTimersByTimeAsync(4_999);
        expect(outcome).toBe("pending");
        await vi.advanceTimersByTimeAsync(1);
        expect(outcome).toBe(`no answer within ${limit} ms`);
        expect(vi.getTimerCount()).toBe(0);
      });

      it("sets no timer for Infinity, and clears a chained timer when the value settles", async () => {
        vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
        let resolveIt!: (v: string) => void;
        const forever = withTimeout(new Promise<string>((r) => (resolveIt = r)), Infinity);
        expect(vi.getTimerCount()).toBe(0);
        resolveIt("late");
        await expect(forever).resolves.toBe("late");
        let resolveLong!: (v: string) => void;
        const long = withTimeout(new Promise<string>((r) => (resolveLong = r)), THIRTY_DAYS);
        await vi.advanceTimersByTimeAsync(MAX + 10);
        expect(vi.getTimerCount()).toBe(1);
        resolveLong("done");
        await expect(long).resolves.toBe("done");
        expect(vi.getTimerCount()).toBe(0);
      });
    });
  });

  it("lane timer delays: never above the limit or 2^31 - 1, at least 1 ms, few distinct values", () => {
    const distinct = new Set<number>();
    for (let ms = 0.25; ms < MAX * 4; ms = ms * 1.003 + 1) {
      const delay = timerDelay(ms);
      distinct.add(delay);
      expect(delay).toBeGreaterThanOrEqual(1);
      expect(delay).toBeLessThanOrEqual(MAX);
      expect(Number.isInteger(delay)).toBe(true);
      if (ms >= 1) expect(delay).toBeLessThanOrEqual(ms);
      if (ms >= 64 && ms <= MAX) expect(delay).toBeGreaterThan(ms * 0.96);
    }
    expect(distinct.size).toBeLessThan(900);
    expect(MAX_TIMER_MS).toBe(MAX);
    expect(timerDelay(Infinity)).toBe(MAX);
    expect(timerDelay(30_000)).toBeLessThanOrEqual(30_000);
  });
});

describe("D: timeout lanes do not pile up", () => {
  const quick = makePlugin({ executeAction: async () => ({ success: true }) }) as unknown as Plugin;
  const hung = makePlugin({ executeAction: () => new Promise(() => undefined) }) as unknown as Plugin;

  it("an emptied lane is dropped and its timer cleared, unless it is the lane used last", async () => {
    const host = createCallHost(silentLogger, new Redactor());
    const lanes: Lane[] = [];
    for (let i = 0; i < 300; i++) {
      const pending = ActionCall.start(host, quick, "echo", {}, 60_000 + i, undefined, undefined, undefined);
      lanes.push(host.lanes.get(60_000 + i)!);
      expect(await pending).toEqual({ success: true });
    }
    expect([...host.lanes.keys()]).toEqual([60_299]);
    for (const lane of lanes.slice(0, -1)) {
      expect(lane.timer).toBeUndefined();
      expect(lane.head).toBeUndefined();
    }
    expect(host.lastLane).toBe(lanes.at(-1));
  });

  it("the common case keeps one lane for every call with the same timeout", async () => {
    const host = createCallHost(silentLogger, new Redactor());
    await ActionCall.start(host, quick, "echo", {}, 30_000, undefined, undefined, undefined);
    const lane = host.lanes.get(30_000);
    for (let i = 0; i < 100; i++)
      await ActionCall.start(host, quick, "echo", {}, 30_000, undefined, undefined, undefined);
    expect(host.lanes.size).toBe(1);
    expect(host.lanes.get(30_000)).toBe(lane);
  });

  it("calls with different timeouts in flight together still time out on time, then their lanes go", async () => {
    const host = createCallHost(silentLogger, new Redactor());
    const started = performance.now();
    const timed = [30, 50, 40, 30].map((ms) =>
      ActionCall.start(host, hung, "echo", {}, ms, undefined, undefined, undefined).then((result) => ({
        ms,
        result,
        elapsed: performance.now() - started,
      })),
    );
    const fine = ActionCall.start(host, quick, "echo", {}, 35, undefined, undefined, undefined);
    expect(ActionCall.inflight(host)).toHaveLength(5);
    expect(await fine).toEqual({ success: true });
    for (const { ms, result, elapsed } of await Promise.all(timed)) {
      expect(result.code).toBe("CORTEX_PLUGIN_TIMEOUT");
      expect(elapsed).toBeGreaterThanOrEqual(ms);
    }
    expect(ActionCall.inflight(host)).toHaveLength(0);
    expect(host.lanes.size).toBeLessThanOrEqual(1);
  });

  it("100k settled calls with distinct timeouts do not grow the heap (child process, --expose-gc)", async () => {
    const run = await runScript(
      "lanes",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
registry.register(plugin(async () => ({ success: true })));
await registry.setupAllPending();
for (let i = 0; i < 2_000; i++) await registry.execute("p", "a", {}, { timeoutMs: 30_000 });
globalThis.gc(); const before = process.memoryUsage().heapUsed;
for (let i = 0; i < 100_000; i++) await registry.execute("p", "a", {}, { timeoutMs: 60_000 + i });
globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); globalThis.gc();
console.log(JSON.stringify({ growthMB: (process.memoryUsage().heapUsed - before) / 1e6 }));`,
      ["--expose-gc"],
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // Before: ~48 MB (a lane and a timer per distinct timeout, kept forever).
    expect((JSON.parse(run.stdout) as { growthMB: number }).growthMB).toBeLessThan(4);
  }, 60_000);
});

// Child processes import the sources through tsx, as the bench and timeouts.test.ts do.
const srcIndex = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cortex-runtime-fixes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScript(
  name: string,
  body: string,
  flags: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `${name}.mts`);
  writeFileSync(
    file,
    `import { MemoryBroker, PluginRegistry, silentLogger } from ${JSON.stringify(srcIndex)};
const plugin = (executeAction) => ({
  name: "p", version: "1.0.0", description: "", setup() {}, teardown() {}, health: () => ({ plugin: "p", status: "HEALTHY" }),
  listActions: () => [{ name: "a", description: "", tier: ${JSON.stringify(ActionTier.AUTO)} }],
  executeAction,
});
${body}`,
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...flags, "--import", "tsx", file],
      { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: 50_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}
