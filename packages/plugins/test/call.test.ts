import { describe, expect, it, vi } from "vitest";
import { MemoryBroker, PluginRegistry, REDACTED, type ActionContext, type PluginResult } from "../src/index.js";
import { makePlugin, makeRegistry, recordingLogger, sleep } from "./fixtures.js";
import { runScript, unhandledDuring, warningsDuring } from "./processes.js";

const MAX = 2 ** 31 - 1; // the longest delay setTimeout honours; longer ones run after 1 ms
const THIRTY_DAYS = 30 * 24 * 3_600_000; // 2.59e9 ms: above MAX

const hung = (): Promise<PluginResult> => new Promise(() => undefined);
const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy: the event loop cannot run.
  }
};

/** Runs each plugin body through a registry: each settles as a failure with its code, nothing unhandled. */
async function settleAs(cases: [() => unknown, string][]): Promise<void> {
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
}

/** A result whose `success` getter throws, like a lazy wrapper around a missing response. */
class LazyResult {
  constructor(private readonly response?: { ok: boolean }) {}
  get success(): boolean {
    return this.response!.ok;
  }
}

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
    // Without the override the call would succeed after 3 s (the code says so), or time out at the registry's 30 s.
    const { registry } = makeRegistry({ timeoutMs: 30_000 });
    registry.register(makePlugin({ executeAction: () => sleep(3_000).then(() => ({ success: true })) }));
    const started = Date.now();
    expect((await registry.execute("test", "echo", {}, { timeoutMs: 20 })).code).toBe("CORTEX_PLUGIN_TIMEOUT");
    expect(Date.now() - started).toBeLessThan(15_000);
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

describe("a plugin result that throws when read settles the call, never an unhandled rejection", () => {
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
    await settleAs(cases);
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
    await settleAs(cases);
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

  it("in a child process, the process does not crash and the caller gets the result", async () => {
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

describe("a plugin whose properties start throwing after registration", () => {
  it("runs under its registered name, and a throwing method is a coded failure", async () => {
    let broken = false;
    const plugin = makePlugin();
    const { name, executeAction } = plugin;
    Object.defineProperty(plugin, "name", {
      get() {
        if (broken) throw new Error("name getter broke");
        return name;
      },
    });
    Object.defineProperty(plugin, "executeAction", {
      get() {
        if (broken) throw new Error("executeAction getter broke");
        return executeAction;
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    await registry.setupAllPending();
    broken = true;
    expect(await registry.execute("test", "echo", {})).toMatchObject({
      success: false,
      code: "CORTEX_PLUGIN_ERROR",
      error: '"test.echo" threw: executeAction getter broke',
    });
    expect(await registry.health("test")).toMatchObject({ plugin: "test", status: "HEALTHY" });
  });
});

describe("result data that is not JSON", () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const cases: [string, unknown][] = [
    ["a bigint", { n: 10n }],
    ["a circular object", circular],
    [
      "a throwing toJSON",
      {
        toJSON: () => {
          throw new Error("toJSON broke");
        },
      },
    ],
    [
      "a getter that throws",
      {
        get broken(): never {
          throw new Error("getter broke");
        },
      },
    ],
    ["a bigint deep in an array", [{ list: [1, 2n] }]],
  ];

  it.each(cases)(
    "%s becomes a CORTEX_INVALID_RESULT failure, sync or async, and never a thrown error",
    async (_label, data) => {
      for (const executeAction of [() => ({ success: true, data }), async () => ({ success: true, data })]) {
        const { registry, logger } = makeRegistry();
        registry.register(makePlugin({ executeAction }));
        let result: PluginResult | undefined;
        const unhandled = await unhandledDuring(async () => {
          result = await registry.execute("test", "echo", {});
        });
        expect(unhandled).toEqual([]);
        expect(result).toMatchObject({ success: false, code: "CORTEX_INVALID_RESULT" });
        expect(result?.error).toMatch(/"test\.echo" returned a result that is not JSON data/);
        expect(() => JSON.stringify(result)).not.toThrow();
        expect(logger.lines).toContainEqual(
          expect.objectContaining({
            level: "error",
            fields: expect.objectContaining({ code: "CORTEX_INVALID_RESULT" }) as object,
          }),
        );
      }
    },
  );

  it("a failure result's extra fields and error count too", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin({ executeAction: async () => ({ success: false, error: "no", meta: { id: 1n } }) }));
    expect(await registry.execute("test", "echo", {})).toMatchObject({ code: "CORTEX_INVALID_RESULT" });
  });
});

describe("secrets in what a plugin hands back", () => {
  const secret = "sk-live-0123456789";
  const withSecret = (executeAction: (action: string, params: Record<string, unknown>) => unknown) => {
    const registry = new PluginRegistry({ broker: new MemoryBroker({ api_key: secret }), logger: recordingLogger() });
    registry.register(
      makePlugin({
        async setup(broker) {
          await broker.get("api_key");
        },
        executeAction: executeAction as () => PluginResult,
      }),
    );
    return registry;
  };

  it("are removed from successful data at any depth, keys included, before anyone sees it", async () => {
    const registry = withSecret(async () => ({
      success: true,
      data: {
        url: `https://api.example/v1?key=${encodeURIComponent(secret)}`,
        list: [{ token: secret }, [`Bearer ${secret}`]],
        [`by-${secret}`]: 1,
        count: 3,
      },
    }));
    const result = await registry.execute("test", "echo", {});
    expect(result).toEqual({
      success: true,
      data: {
        url: `https://api.example/v1?key=${REDACTED}`,
        list: [{ token: REDACTED }, [`Bearer ${REDACTED}`]],
        [`by-${REDACTED}`]: 1,
        count: 3,
      },
    });
  });

  it("are removed from a failure's error and code, and from any other field", async () => {
    const registry = withSecret(() => ({
      success: false,
      error: `denied ${secret}`,
      code: `E_${secret}`,
      hint: [secret],
    }));
    expect(await registry.execute("test", "echo", {})).toEqual({
      success: false,
      error: `denied ${REDACTED}`,
      code: `E_${REDACTED}`,
      hint: [REDACTED],
    });
  });

  it("a result holding a secret is handed back as its JSON form; plain data without one, as it is", async () => {
    const when = new Date(0);
    const plain = { success: true, data: { note: "fine", list: [1, { deep: "ok" }] } };
    const registry = withSecret((_a, params) => {
      if (params.leak) return { success: true, data: { note: secret }, list: [{ [secret]: 1 }] };
      if (params.date) return { success: true, data: { when } };
      return plain;
    });
    expect(await registry.execute("test", "echo", { leak: true })).toEqual({
      success: true,
      data: { note: REDACTED },
      list: [{ [REDACTED]: 1 }],
    });
    expect(await registry.execute("test", "echo", {})).toBe(plain);
    // Not plain data: its JSON form is what can be checked, and what is handed back.
    expect(await registry.execute("test", "echo", { date: true })).toEqual({
      success: true,
      data: { when: when.toISOString() },
    });
  });
});

describe("the call's deadline", () => {
  it("never times out before the call's full time, and not much after", async () => {
    const { registry } = makeRegistry({ timeoutMs: 40 });
    registry.register(makePlugin({ executeAction: hung }));
    await registry.setupAllPending();
    const start = () => {
      const started = performance.now();
      return registry.execute("test", "echo", {}).then((result) => ({ result, elapsed: performance.now() - started }));
    };
    // Both calls start in the same synchronous stretch, 60 ms apart: a deadline
    // counted from the first one's start would cut the second one short.
    // A plain 40 ms timer started beside the second call measures how late this
    // machine fires timers right now; the deadlines may be late by that much, not more.
    const firstStarted = performance.now();
    const first = start();
    spin(60);
    const secondStarted = performance.now();
    const second = start();
    const controlStarted = performance.now();
    const control = new Promise<number>((resolve) => setTimeout(() => resolve(performance.now() - controlStarted), 40));
    const [a, b, plain] = await Promise.all([first, second, control]);
    for (const { result, elapsed } of [a, b]) {
      expect(result.code).toBe("CORTEX_PLUGIN_TIMEOUT");
      expect(elapsed).toBeGreaterThanOrEqual(40);
    }
    // Late by at most the synchronous work between the call's start and the control's (measured, not
    // assumed: a loaded machine can stall it), the timers' own lateness, and some slack that grows with
    // that lateness: a machine that fires timers late right now also runs the callbacks after them late.
    const late = plain - 40;
    const slack = 100 + late;
    expect(a.elapsed).toBeLessThan(controlStarted - firstStarted + plain + slack);
    expect(b.elapsed).toBeLessThan(controlStarted - secondStarted + plain + slack);
  });

  it("every call of a long back-to-back burst gets its full time", async () => {
    const { registry } = makeRegistry({ timeoutMs: 30 });
    registry.register(makePlugin({ executeAction: hung }));
    await registry.setupAllPending();
    const runs: Promise<{ result: PluginResult; elapsed: number }>[] = [];
    for (let i = 0; i < 150; i++) {
      const started = performance.now();
      runs.push(
        registry.execute("test", "echo", {}).then((result) => ({ result, elapsed: performance.now() - started })),
      );
      if (i % 10 === 0) spin(2);
    }
    for (const { result, elapsed } of await Promise.all(runs)) {
      expect(result.code).toBe("CORTEX_PLUGIN_TIMEOUT");
      expect(elapsed).toBeGreaterThanOrEqual(30);
    }
  });

  it("the plugin's signal is not aborted before its time", async () => {
    let abortedAfter = 0;
    const { registry } = makeRegistry({ timeoutMs: 50 });
    registry.register(
      makePlugin({
        executeAction: (_a, _p, context) => {
          const started = performance.now();
          context?.signal.addEventListener("abort", () => (abortedAfter = performance.now() - started));
          return hung();
        },
      }),
    );
    await registry.setupAllPending();
    for (let round = 0; round < 3; round++) {
      const pending = registry.execute("test", "echo", {});
      spin(20);
      expect((await pending).code).toBe("CORTEX_PLUGIN_TIMEOUT");
      expect(abortedAfter).toBeGreaterThanOrEqual(50);
    }
  });

  it("calls with different timeouts in flight together each time out on time", async () => {
    const { registry } = makeRegistry({ timeoutMs: 5_000 });
    registry.register(
      makePlugin({
        executeAction: (_a, params) => (params.quick ? Promise.resolve({ success: true }) : hung()),
      }),
    );
    await registry.setupAllPending();
    const started = performance.now();
    const timed = [30, 50, 40, 30].map((ms) =>
      registry.execute("test", "echo", {}, { timeoutMs: ms }).then((result) => ({
        ms,
        result,
        elapsed: performance.now() - started,
      })),
    );
    expect(await registry.execute("test", "echo", { quick: true }, { timeoutMs: 35 })).toEqual({ success: true });
    for (const { ms, result, elapsed } of await Promise.all(timed)) {
      expect(result.code).toBe("CORTEX_PLUGIN_TIMEOUT");
      expect(elapsed).toBeGreaterThanOrEqual(ms);
    }
  });

  it("one timer per call, cleared when it settles: hundreds of calls with distinct timeouts leave none", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin({ executeAction: async () => ({ success: true }) }));
    await registry.setupAllPending();
    const set = vi.spyOn(globalThis, "setTimeout");
    const clear = vi.spyOn(globalThis, "clearTimeout");
    try {
      for (let i = 0; i < 300; i++) {
        expect(await registry.execute("test", "echo", {}, { timeoutMs: 60_000 + i })).toEqual({ success: true });
      }
      const armed = set.mock.results.map((r) => r.value as unknown);
      expect(armed).toHaveLength(300);
      const cleared = new Set(clear.mock.calls.map((call) => call[0] as unknown));
      for (const timer of armed) expect(cleared.has(timer)).toBe(true);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });

  it("a call with timeoutMs Infinity sets no timer, waits for its plugin, and shutdown still aborts it", async () => {
    const { registry } = makeRegistry({ timeoutMs: Infinity, shutdownTimeoutMs: 20 });
    registry.register(
      makePlugin({
        executeAction: (_a, params) => (params.slow ? sleep(40).then(() => ({ success: true })) : hung()),
      }),
    );
    await registry.setupAllPending();
    const set = vi.spyOn(globalThis, "setTimeout");
    let armed: unknown[];
    try {
      expect(await registry.execute("test", "echo", { slow: true })).toEqual({ success: true });
      armed = set.mock.calls.filter((call) => call[1] !== 40);
    } finally {
      set.mockRestore();
    }
    expect(armed).toEqual([]);
    const call = registry.execute("test", "echo", {});
    await sleep(5);
    expect((await registry.shutdown()).abortedCalls).toBe(1);
    expect(await call).toMatchObject({ code: "CORTEX_ABORTED" });
  });

  it("a call with a 30-day timeout arms one timer for at most 2^31 - 1 ms and does not spin", async () => {
    const real = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, "setTimeout"); // records, and calls the real one
    let result: PluginResult | undefined;
    let delays: unknown[] = [];
    try {
      const warnings = await warningsDuring("TimeoutOverflowWarning", async () => {
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
    // Node would run a 30-day delay after 1 ms; the timer re-arms until the time has come instead.
    expect(delays).toEqual([MAX]);
  });

  it("100k settled calls with distinct timeouts do not grow the heap (child process, --expose-gc)", async () => {
    const run = await runScript(
      "timers",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
registry.register(plugin(async () => ({ success: true })));
await registry.setupAllPending();
for (let i = 0; i < 2_000; i++) await registry.execute("p", "a", {}, { timeoutMs: 30_000 });
globalThis.gc(); const before = process.memoryUsage().heapUsed;
for (let i = 0; i < 100_000; i++) await registry.execute("p", "a", {}, { timeoutMs: 60_000 + i });
globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); globalThis.gc();
console.log(JSON.stringify({ growthMB: (process.memoryUsage().heapUsed - before) / 1e6 }));`,
      ["--expose-gc"],
      // About a second of work alone; many times that where every package's tests share two cores.
      150_000,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { growthMB: number }).growthMB).toBeLessThan(4);
  }, 180_000);
});

describe("process lifetime", () => {
  it("an awaited hung plugin yields its timeout result; the process does not exit first", async () => {
    const run = await runScript(
      "hung",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, timeoutMs: 200 });
registry.register(plugin(() => new Promise(() => {})));
const started = performance.now();
const result = await registry.execute("p", "a", {});
console.log(JSON.stringify({ result, elapsed: performance.now() - started }));`,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { result: PluginResult; elapsed: number };
    expect(out.result).toMatchObject({ success: false, code: "CORTEX_PLUGIN_TIMEOUT" });
    expect(out.elapsed).toBeGreaterThanOrEqual(200);
  });

  it("once the last call finished, the process exits promptly despite a 30 s timeout", async () => {
    const run = await runScript(
      "idle",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, timeoutMs: 30_000 });
registry.register(plugin((_a, params) => params.slow ? new Promise((r) => setTimeout(() => r({ success: true }), 30)) : Promise.resolve({ success: true })));
let done = 0;
process.on("exit", () => console.log(JSON.stringify({ exitAfter: performance.now() - done })));
for (let i = 0; i < 100; i++) await registry.execute("p", "a", {});
await registry.execute("p", "a", { slow: true });
await new Promise((r) => setImmediate(r));
await registry.execute("p", "a", {});
done = performance.now();`,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    // Far from the 30 s a timer left behind would hold the process, and from a loaded machine's exit time.
    expect((JSON.parse(run.stdout) as { exitAfter: number }).exitAfter).toBeLessThan(10_000);
  });

  it("a call that settles only while the registry holds the process open releases it", async () => {
    // The plugin answers from an unreferenced timer: nothing but the pending
    // call keeps the process alive, and once it settles nothing does.
    const run = await runScript(
      "held",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, timeoutMs: 30_000 });
registry.register(plugin(() => new Promise((r) => setTimeout(() => r({ success: true, data: "late" }), 150).unref())));
let done = 0;
process.on("exit", () => console.log(JSON.stringify({ result, exitAfter: performance.now() - done })));
const result = await registry.execute("p", "a", {});
done = performance.now();`,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { result: PluginResult; exitAfter: number };
    expect(out.result).toEqual({ success: true, data: "late" });
    // Far from the 30 s a timer left behind would hold the process.
    expect(out.exitAfter).toBeLessThan(10_000);
  });
});
