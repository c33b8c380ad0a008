import { getEventListeners } from "node:events";
import { describe, expect, it, vi } from "vitest";
import {
  ActionTier,
  approvalId,
  MemoryBroker,
  PluginRegistry,
  REDACTED,
  type ApprovalRequest,
  type Plugin,
} from "../src/index.js";
import { CalendarPlugin, makePlugin, makeRegistry, MyCalendarClient, recordingLogger, sleep } from "./fixtures.js";
import { runScript } from "./processes.js";

describe("the spec's CalendarPlugin", () => {
  it("runs through the registry unchanged: setup, list_events, create_event with approval, health, teardown", async () => {
    const registry = new PluginRegistry({
      broker: new MemoryBroker({ calendar_api_key: "cal-key-123" }),
      logger: recordingLogger(),
    });
    registry.register(new CalendarPlugin());
    expect(await registry.setupAllPending()).toEqual({ ready: ["calendar"], failed: [] });
    expect(MyCalendarClient.instances.at(-1)?.apiKey).toBe("cal-key-123");

    const listed = await registry.execute("calendar", "list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(listed).toEqual({ success: true, data: { events: [] } });

    const params = { title: "Standup", start: "2026-06-02" };
    await expect(registry.execute("calendar", "create_event", params)).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
    });
    const created = await registry.execute("calendar", "create_event", params, {
      approval: { id: approvalId("calendar", "create_event", params), approved: true, decidedBy: "user" },
    });
    expect(created).toEqual({ success: true, data: { event_id: "evt-1" } });
    await expect(
      registry.execute("calendar", "list_events", { start: "2026-06-01", end: "2026-06-30" }),
    ).resolves.toMatchObject({
      data: { events: [expect.objectContaining({ title: "Standup" })] },
    });

    await expect(registry.execute("calendar", "delete_event", {})).rejects.toMatchObject({
      code: "CORTEX_ACTION_NOT_FOUND",
    });
    await expect(registry.execute("calendar", "list_events", { start: "2026-06-01" })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
      issues: [{ path: "/end", message: "is required" }],
    });
    expect(await registry.health("calendar")).toEqual({ plugin: "calendar", status: "HEALTHY" });
    const report = await registry.shutdown();
    expect(report.tornDown).toEqual(["calendar"]);
    expect(MyCalendarClient.instances.at(-1)?.closed).toBe(true);
  });
});

describe("execute gate ordering", () => {
  it("closed → plugin → action → shape → schema → tier → setup → plugin code", async () => {
    const plugin = makePlugin({
      setup: () => {
        throw new Error("setup broken");
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: { code: string }) => e.code,
      );
    expect(await codeOf(registry.execute("nope", "nope", null))).toBe("CORTEX_PLUGIN_NOT_FOUND");
    expect(await codeOf(registry.execute("test", "nope", null))).toBe("CORTEX_ACTION_NOT_FOUND");
    expect(await codeOf(registry.execute("test", "typed", null))).toBe("CORTEX_VALIDATION_FAILED");
    expect(await codeOf(registry.execute("test", "typed", { a: 1 }))).toBe("CORTEX_VALIDATION_FAILED");
    // Validation precedes the tier: approvals are only ever asked for valid calls.
    expect(await codeOf(registry.execute("test", "confirm", [1]))).toBe("CORTEX_VALIDATION_FAILED");
    expect(await codeOf(registry.execute("test", "confirm", {}))).toBe("CORTEX_APPROVAL_REQUIRED");
    expect(registry.state("test")).toBe("pending");
    expect(await codeOf(registry.execute("test", "echo", {}))).toBe("CORTEX_PLUGIN_NOT_READY");
    await registry.shutdown();
    expect(await codeOf(registry.execute("nope", "nope", null))).toBe("CORTEX_REGISTRY_CLOSED");
  });

  it("lists every schema issue with JSON pointers and never calls the plugin", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry();
    registry.register(plugin);
    const error = await registry.execute("test", "typed", { n: -1.5, extra: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_VALIDATION_FAILED", plugin: "test", action: "typed" });
    expect((error as { issues: unknown[] }).issues).toEqual(
      expect.arrayContaining([
        { path: "/a", message: "is required" },
        { path: "/extra", message: "is not an allowed property" },
        { path: "/n", message: "must be integer" },
        { path: "/n", message: "must be >= 0" },
      ]),
    );
    await expect(registry.execute("test", "echo", JSON.parse('{"__proto__":{"admin":true}}'))).rejects.toMatchObject({
      issues: [{ path: "/__proto__", message: 'key "__proto__" is not allowed' }],
    });
    expect(plugin.calls).toHaveLength(0);
    expect(plugin.setups).toBe(0);
  });

  it("an action without a schema still gets the plain-object check", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin());
    await expect(registry.execute("test", "echo", new Date())).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
    await expect(registry.execute("test", "echo", { any: ["thing"] })).resolves.toEqual({
      success: true,
      data: { any: ["thing"] },
    });
  });

  it("validate() is the check execute applies", () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin());
    expect(() => registry.validate("test", "typed", { a: "x", n: 1 })).not.toThrow();
    expect(() => registry.validate("test", "typed", {})).toThrow(
      expect.objectContaining({ code: "CORTEX_VALIDATION_FAILED" }),
    );
    expect(() => registry.validate("nope", "typed", {})).toThrow(
      expect.objectContaining({ code: "CORTEX_PLUGIN_NOT_FOUND" }),
    );
  });
});

describe("lazy setup", () => {
  it("100 concurrent first calls run setup exactly once", async () => {
    let setups = 0;
    const plugin = makePlugin({
      async setup() {
        setups++;
        await sleep(20);
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => registry.execute("test", "echo", { i })));
    expect(setups).toBe(1);
    expect(results.every((r) => r.success)).toBe(true);
    expect(plugin.calls).toHaveLength(100);
    expect(registry.state("test")).toBe("ready");
  });

  it("a failing setup marks the plugin failed; execute throws NOT_READY with the setup error as cause", async () => {
    const cause = new Error("cannot reach calendar");
    let setups = 0;
    const plugin = makePlugin({
      async setup() {
        setups++;
        throw cause;
      },
    });
    const { registry, logger } = makeRegistry();
    registry.register(plugin);
    const errors = await Promise.all(
      Array.from({ length: 10 }, () => registry.execute("test", "echo", {}).catch((e: unknown) => e)),
    );
    expect(setups).toBe(1);
    for (const error of errors) {
      expect(error).toMatchObject({ code: "CORTEX_PLUGIN_NOT_READY", plugin: "test", cause });
      expect((error as Error).message).toContain("cannot reach calendar");
    }
    expect(registry.state("test")).toBe("failed");
    expect(plugin.calls).toHaveLength(0);
    expect(logger.lines.some((l) => l.level === "error" && l.message.includes('setup of plugin "test" failed'))).toBe(
      true,
    );
  });

  it("a setup that hangs times out as CORTEX_TIMEOUT", async () => {
    const { registry } = makeRegistry({ setupTimeoutMs: 30 });
    registry.register(makePlugin({ setup: () => new Promise(() => undefined) }));
    await expect(registry.execute("test", "echo", {})).rejects.toMatchObject({
      code: "CORTEX_PLUGIN_NOT_READY",
      cause: { code: "CORTEX_TIMEOUT" },
    });
  });

  it("setupAllPending sets up every pending plugin; one failure does not stop the rest", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin({ name: "good" }));
    registry.register(makePlugin({ name: "bad", setup: () => Promise.reject(new Error("nope")) }));
    registry.register(makePlugin({ name: "sync", setup: () => undefined }));
    const report = await registry.setupAllPending();
    expect(report.ready.sort()).toEqual(["good", "sync"]);
    expect(report.failed).toEqual([{ plugin: "bad", error: expect.objectContaining({ message: "nope" }) as Error }]);
    expect(await registry.setupAllPending()).toEqual({ ready: [], failed: [] });
  });

  it("setupPending sets up only the named pending plugins, joins a setup under way, and refuses unknown names", async () => {
    const { registry } = makeRegistry();
    let release!: () => void;
    let slowSetups = 0;
    const slow = makePlugin({
      name: "slow",
      setup: () => {
        slowSetups++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    const other = makePlugin({ name: "other" });
    registry.register(slow);
    registry.register(other);
    registry.register(makePlugin({ name: "bad", setup: () => Promise.reject(new Error("nope")) }));
    // A first call starts the slow plugin's lazy setup; setupPending waits for that one instead of starting another.
    const call = registry.execute("slow", "echo", {});
    const report = registry.setupPending(["slow", "bad", "slow"]);
    await sleep(10);
    release();
    expect(await report).toEqual({
      ready: ["slow"],
      failed: [{ plugin: "bad", error: expect.objectContaining({ message: "nope" }) as Error }],
    });
    await expect(call).resolves.toMatchObject({ success: true });
    expect(slowSetups).toBe(1);
    expect(registry.state("other")).toBe("pending");
    expect(other.setups).toBe(0);
    expect(await registry.setupPending(["slow", "bad"])).toEqual({ ready: [], failed: [] });
    await expect(registry.setupPending(["other", "missing"])).rejects.toMatchObject({
      code: "CORTEX_PLUGIN_NOT_FOUND",
    });
    expect(other.setups).toBe(0);
  });
});

describe("credential redaction", () => {
  const secret = "sk-live-0123456789";
  const leaky = (): Plugin =>
    makePlugin({
      name: "leaky",
      async setup(broker) {
        await broker.get("api_key");
      },
      async executeAction(action) {
        if (action === "fail") return { success: false, error: `bad key ${secret}` };
        throw new Error(`request with key ${secret} failed`);
      },
      async health() {
        return { plugin: "leaky", status: "UNHEALTHY", error: `auth ${secret}` };
      },
      async teardown() {
        throw new Error(`close ${secret}`);
      },
      actions: [
        { name: "boom", description: "", tier: ActionTier.AUTO },
        { name: "fail", description: "", tier: ActionTier.AUTO },
      ],
    });

  it("never puts a secret the broker handed out into results, errors or logs", async () => {
    const logger = recordingLogger();
    const registry = new PluginRegistry({ broker: new MemoryBroker({ api_key: secret }), logger });
    registry.register(leaky());
    const thrown = await registry.execute("leaky", "boom", {});
    expect(thrown).toEqual({
      success: false,
      code: "CORTEX_PLUGIN_ERROR",
      error: `"leaky.boom" threw: request with key ${REDACTED} failed`,
    });
    const returned = await registry.execute("leaky", "fail", {});
    expect(returned).toEqual({ success: false, error: `bad key ${REDACTED}` });
    const health = await registry.health("leaky");
    expect(health.error).toBe(`auth ${REDACTED}`);
    const report = await registry.shutdown();
    expect(report.errors[0]?.message).toContain(REDACTED);
    const everything = JSON.stringify([thrown, returned, health, report.errors.map((e) => e.message), logger.lines]);
    expect(everything).not.toContain(secret);
    expect(logger.text()).toContain(REDACTED);
  });

  it("leaves values asked for with secret: false in error text, and passes the option to the broker", async () => {
    const asked: [string, unknown][] = [];
    const values: Record<string, string> = { api_key: secret, folder: "/srv/notes", limit: "100", same: secret };
    const broker = {
      get(key: string, ...rest: unknown[]) {
        asked.push([key, rest[0]]);
        return Promise.resolve(values[key]!);
      },
    };
    const registry = new PluginRegistry({ broker, logger: recordingLogger() });
    registry.register(
      makePlugin({
        name: "configured",
        async setup(b) {
          await b.get("api_key");
          await b.get("folder", { secret: false });
          await b.get("limit", { secret: false });
          // A value that is also a secret stays redacted, whatever the key says.
          await b.get("same", { secret: false });
        },
        executeAction() {
          throw new Error(`no room in /srv/notes: limit 100 reached (key ${secret})`);
        },
        actions: [{ name: "boom", description: "", tier: ActionTier.AUTO }],
      }),
    );
    const result = await registry.execute("configured", "boom", {});
    expect(result.error).toBe(`"configured.boom" threw: no room in /srv/notes: limit 100 reached (key ${REDACTED})`);
    expect(asked).toEqual([
      ["api_key", undefined],
      ["folder", { secret: false }],
      ["limit", { secret: false }],
      ["same", { secret: false }],
    ]);
  });

  it("treats any secret option other than false as a secret", async () => {
    const registry = new PluginRegistry({
      broker: new MemoryBroker({ a: "alpha-1", b: "beta-2" }),
      logger: recordingLogger(),
    });
    registry.register(
      makePlugin({
        name: "careful",
        async setup(b) {
          await b.get("a", { secret: true });
          await b.get("b", { secret: "no" } as unknown as { secret: boolean });
        },
        executeAction() {
          throw new Error("alpha-1 beta-2");
        },
        actions: [{ name: "boom", description: "", tier: ActionTier.AUTO }],
      }),
    );
    const result = await registry.execute("careful", "boom", {});
    expect(result.error).toBe(`"careful.boom" threw: ${REDACTED} ${REDACTED}`);
  });

  it("redacts a setup error that quotes the secret, including the cause's message", async () => {
    const registry = new PluginRegistry({ broker: new MemoryBroker({ api_key: secret }), logger: recordingLogger() });
    registry.register(
      makePlugin({
        async setup(broker) {
          const key = await broker.get("api_key");
          throw new Error(`key ${key} rejected`);
        },
      }),
    );
    const error = (await registry.execute("test", "echo", {}).catch((e: unknown) => e)) as Error & { cause: Error };
    expect(error.message).not.toContain(secret);
    expect(error.cause.message).toBe(`key ${REDACTED} rejected`);
    expect((await registry.health("test")).error).not.toContain(secret);
  });

  it("a broker returning a non-string is CORTEX_CREDENTIAL_MISSING", async () => {
    const { registry } = makeRegistry({ broker: { get: async () => undefined as unknown as string } });
    registry.register(makePlugin({ setup: async (broker) => void (await broker.get("k")) }));
    await expect(registry.execute("test", "echo", {})).rejects.toMatchObject({
      cause: { code: "CORTEX_CREDENTIAL_MISSING", key: "k" },
    });
  });
});

describe("listing", () => {
  it("listActions covers every plugin with its name", () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin({ name: "a" }));
    registry.register(makePlugin({ name: "b", actions: [{ name: "only", description: "x", tier: "ADMIN" }] }));
    const actions = registry.listActions();
    expect(actions.filter((a) => a.plugin === "a")).toHaveLength(4);
    expect(actions.find((a) => a.plugin === "b")).toEqual({
      plugin: "b",
      name: "only",
      description: "x",
      tier: "ADMIN",
    });
    expect(actions.find((a) => a.name === "typed")?.parameters).toMatchObject({ type: "object" });
  });

  it("uses the console logger by default", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const registry = new PluginRegistry({ broker: new MemoryBroker() });
    registry.register(makePlugin({ executeAction: () => Promise.reject(new Error("x")) }));
    await registry.execute("test", "echo", {});
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });
});

describe("params between validation and the call", () => {
  const transfer = {
    name: "transfer",
    description: "moves money",
    tier: ActionTier.CONFIRM,
    parameters: {
      type: "object",
      properties: { to: { type: "string" }, amount: { type: "number", maximum: 100 } },
      required: ["to", "amount"],
      additionalProperties: false,
    },
  };

  it("a CONFIRM call runs exactly the params approved, whatever the caller changes meanwhile", async () => {
    const plugin = makePlugin({ actions: [transfer] });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const params: Record<string, unknown> = { to: "alice", amount: 10 };
    const pending = registry.execute("test", "transfer", params, {
      approval: { id: approvalId("test", "transfer", params), approved: true },
    });
    params.to = "mallory";
    params.amount = 1_000_000;
    await expect(pending).resolves.toMatchObject({ success: true });
    expect(plugin.calls).toEqual([{ action: "transfer", params: { to: "alice", amount: 10 } }]);
  });

  it("an approver that changes the request it is shown changes nothing", async () => {
    const plugin = makePlugin({ actions: [transfer] });
    const { registry } = makeRegistry({
      approver: async (request: ApprovalRequest) => {
        (request.params as Record<string, unknown>).amount = 999;
        await sleep(1);
        return { approved: true };
      },
    });
    registry.register(plugin);
    await registry.execute("test", "transfer", { to: "bob", amount: 5 });
    expect(plugin.calls).toEqual([{ action: "transfer", params: { to: "bob", amount: 5 } }]);
  });

  it("an AUTO call waiting for lazy setup runs the params validated, not later changes", async () => {
    const auto = { ...transfer, name: "pay", tier: ActionTier.AUTO };
    const plugin = makePlugin({
      actions: [auto],
      async setup() {
        await sleep(20);
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const params: Record<string, unknown> = { to: "alice", amount: 10 };
    const pending = registry.execute("test", "pay", params);
    params.amount = 1_000_000;
    await pending;
    expect(plugin.calls).toEqual([{ action: "pay", params: { to: "alice", amount: 10 } }]);
  });

  it("reads a getter once, and validates the value read", async () => {
    const plugin = makePlugin({ actions: [transfer] });
    const { registry } = makeRegistry({ approver: () => ({ approved: true }) });
    registry.register(plugin);
    let reads = 0;
    const params = {
      to: "alice",
      get amount() {
        reads++;
        return reads === 1 ? 10 : 1_000_000;
      },
    };
    await expect(registry.execute("test", "transfer", params)).resolves.toMatchObject({ success: true });
    expect(reads).toBe(1);
    expect(plugin.calls).toEqual([{ action: "transfer", params: { to: "alice", amount: 10 } }]);
  });

  it("refuses params that are not JSON data before anyone is asked, with every issue", async () => {
    const open = { ...transfer, parameters: { type: "object" } };
    const plugin = makePlugin({ actions: [open] });
    let asked = 0;
    const { registry } = makeRegistry({ approver: () => (asked++, { approved: true }) });
    registry.register(plugin);
    const approved = { title: "Standup" };
    const error: unknown = await registry
      .execute("test", "transfer", {
        title: "Board meeting",
        toJSON: () => approved,
        n: Number.NaN,
        big: 10n,
        tags: new Set(["a"]),
        when: new Date(0),
        list: [1, undefined],
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
    expect((error as { issues: unknown[] }).issues).toEqual([
      { path: "/toJSON", message: "must be a JSON value, got function" },
      { path: "/n", message: "must be a JSON value, got NaN" },
      { path: "/big", message: "must be a JSON value, got bigint" },
      { path: "/tags", message: "must be a JSON value, got a Set" },
      { path: "/when", message: "must be a JSON value, got a Date" },
      { path: "/list/1", message: "must be a JSON value, got undefined" },
    ]);
    expect(asked).toBe(0);
    expect(plugin.calls).toEqual([]);
  });

  it("an AUTO call to a ready plugin gets a copy too: the caller's object never reaches the plugin", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry();
    registry.register(plugin);
    await registry.setupAllPending();
    const params = { list: [1, 2] };
    await registry.execute("test", "echo", params);
    expect(plugin.calls[0]?.params).toEqual(params);
    expect(plugin.calls[0]?.params).not.toBe(params);
    expect(plugin.calls[0]?.params.list).not.toBe(params.list);
  });
});

describe("waits before the plugin runs", () => {
  it("a caller abort ends the wait for an approver at once, with the pre-start abort result", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry({ approver: () => new Promise(() => undefined), approvalTimeoutMs: 60_000 });
    registry.register(plugin);
    const controller = new AbortController();
    const started = Date.now();
    const pending = registry.execute("test", "confirm", { title: "x" }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).resolves.toMatchObject({
      success: false,
      code: "CORTEX_ABORTED",
      error: expect.stringContaining("before the action started") as string,
    });
    // Far from the approver's 60 s.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(plugin.calls).toEqual([]);
  });

  it("a caller abort ends the wait for a slow lazy setup at once", async () => {
    // The setup ends only when the test lets it: a call that waited for it would never settle.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const plugin = makePlugin({
      async setup() {
        await released;
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const controller = new AbortController();
    const started = Date.now();
    const pending = registry.execute("test", "echo", {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).resolves.toMatchObject({ success: false, code: "CORTEX_ABORTED" });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(plugin.calls).toEqual([]);
    release();
    await registry.shutdown();
  });

  it("shutdown ends the wait for an approver: the call rejects with CORTEX_REGISTRY_CLOSED and never runs", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry({ approver: () => new Promise(() => undefined), approvalTimeoutMs: 60_000 });
    registry.register(plugin);
    const set = vi.spyOn(globalThis, "setTimeout");
    const clear = vi.spyOn(globalThis, "clearTimeout");
    try {
      const pending = registry.execute("test", "confirm", { title: "x" });
      await sleep(10);
      // The approver's 60 s limit: one timer, armed for this wait.
      const armed = set.mock.calls.flatMap((call, i) =>
        call[1] === 60_000 ? [set.mock.results[i]!.value as unknown] : [],
      );
      expect(armed).toHaveLength(1);
      const started = Date.now();
      await registry.shutdown();
      await expect(pending).rejects.toMatchObject({ code: "CORTEX_REGISTRY_CLOSED" });
      // Far from the approver's 60 s.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(plugin.calls).toEqual([]);
      // Its timer is gone with the wait: nothing keeps the process alive for a call nobody waits for.
      expect(clear.mock.calls.map((call) => call[0] as unknown)).toContain(armed[0]);
    } finally {
      set.mockRestore();
      clear.mockRestore();
    }
  });

  it("many concurrent approvals and lazy setups on one signal add one listener, and leave none behind", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const plugin = makePlugin({ setup: () => gate });
      const { registry } = makeRegistry({
        approver: async () => {
          await gate;
          return { approved: true };
        },
      });
      registry.register(plugin);
      const run = new AbortController();
      const calls = Array.from({ length: 25 }, (_, i) =>
        registry.execute("test", i % 2 ? "confirm" : "echo", { i }, { signal: run.signal }),
      );
      await sleep(10);
      expect(getEventListeners(run.signal, "abort").length).toBeLessThanOrEqual(1);
      release();
      const results = await Promise.all(calls);
      expect(results.every((r) => r.success)).toBe(true);
      await sleep(10);
      // At most the one listener a run's signal keeps for the registry; none per call.
      expect(getEventListeners(run.signal, "abort").length).toBeLessThanOrEqual(1);
      await registry.shutdown();
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });

  it("nothing is kept per approved call once it settles (child process, --expose-gc)", async () => {
    const run = await runScript(
      "retention",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, approver: () => ({ approved: true }) });
registry.register(plugin(async () => ({ success: true })));
const run = new AbortController();
const settle = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 10)); globalThis.gc(); };
for (let i = 0; i < 2_000; i++) await registry.execute("p", "c", { i }, { signal: run.signal });
await settle();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < 20_000; i++) await registry.execute("p", "c", { i }, { signal: run.signal });
await settle();
const growthKB = (process.memoryUsage().heapUsed - before) / 1e3;
const track = async () => {
  const refs = [];
  for (let i = 0; i < 1_000; i++) {
    const params = { i };
    refs.push(new WeakRef(params));
    await registry.execute("p", "c", params, { signal: run.signal });
  }
  return refs;
};
const refs = await track();
await settle();
console.log(JSON.stringify({ kept: refs.filter((ref) => ref.deref() !== undefined).length, growthKB }));`,
      ["--expose-gc"],
      // A few seconds of work alone; many times that where every package's tests share two cores.
      150_000,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { kept: number; growthKB: number };
    expect(out.kept).toBe(0);
    // A per-call leftover of even ~58 B on a long-lived signal would be over 1 MB for these 20 000 calls.
    expect(out.growthKB).toBeLessThan(300);
  }, 180_000);
});

describe("plugins whose actions change", () => {
  /** A plugin that lists `late` only once its setup ran, and lists more when told to, reporting each change. */
  function changing() {
    const listeners = new Set<() => void>();
    let stage = 0;
    const plugin = makePlugin({
      async setup() {
        stage = 1;
      },
      listActions: () => [
        { name: "early", description: "Early", tier: ActionTier.AUTO },
        ...(stage >= 1 ? [{ name: "late", description: "Late", tier: ActionTier.AUTO, idempotent: true }] : []),
        ...(stage >= 2
          ? [
              {
                name: "announced",
                description: "Announced",
                tier: ActionTier.CONFIRM,
                parameters: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
              },
            ]
          : []),
        ...(stage >= 3 ? [{ name: "bad name!", description: "Broken", tier: ActionTier.AUTO }] : []),
      ],
      onActionsChanged(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
    const advance = () => {
      stage++;
      for (const listener of listeners) listener();
    };
    return { plugin, advance, listeners };
  }

  it("reads the actions again after setup and on each reported change, validating late actions like the others", async () => {
    const { plugin, advance, listeners } = changing();
    const { registry, logger } = makeRegistry();
    registry.register(plugin);
    expect(registry.listActions().map((a) => a.name)).toEqual(["early"]);
    await expect(registry.execute("test", "late", {})).rejects.toMatchObject({ code: "CORTEX_ACTION_NOT_FOUND" });
    await registry.setupAllPending();
    expect(registry.listActions().map((a) => [a.name, a.idempotent])).toEqual([
      ["early", undefined],
      ["late", true],
    ]);
    await expect(registry.execute("test", "late", {})).resolves.toMatchObject({ success: true });

    advance();
    expect(registry.listActions().map((a) => a.name)).toEqual(["early", "late", "announced"]);
    await expect(registry.execute("test", "announced", { n: "x" })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
      issues: [{ path: "/n", message: "must be integer" }],
    });
    await expect(registry.execute("test", "announced", { n: 1 })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
    });

    // A list that fails the checks is logged, and the plugin keeps the actions it had.
    advance();
    expect(registry.listActions().map((a) => a.name)).toEqual(["early", "late", "announced"]);
    expect(logger.text()).toContain("bad name!");

    await registry.shutdown();
    expect(listeners.size).toBe(0);
  });

  /** A plugin that lists no action until its setup (like an MCP server's tools); `setup` decides how that goes. */
  function listedAtSetup(setup: () => Promise<void> = () => Promise.resolve()) {
    let ready = false;
    const plugin = makePlugin({
      async setup() {
        plugin.setups++;
        await setup();
        ready = true;
      },
      listActions: () =>
        ready
          ? [
              { name: "tool", description: "A tool", tier: ActionTier.AUTO },
              { name: "risky", description: "A risky tool", tier: ActionTier.CONFIRM },
            ]
          : [],
      preview: async (action, params) => ({ summary: `${action} ${JSON.stringify(params)}` }),
    });
    return plugin;
  }

  it("sets up a pending plugin that lists no actions yet before looking its action up, for execute and preview", async () => {
    const { registry } = makeRegistry();
    const plugin = listedAtSetup();
    registry.register(plugin);
    await expect(registry.execute("test", "tool", { n: 1 })).resolves.toEqual({ success: true, data: { n: 1 } });
    expect(plugin.setups).toBe(1);
    expect(plugin.calls).toEqual([{ action: "tool", params: { n: 1 } }]);
    // Once set up, an action it does not list is unknown, named with the ones it has.
    await expect(registry.execute("test", "missing", {})).rejects.toMatchObject({
      code: "CORTEX_ACTION_NOT_FOUND",
      available: ["tool", "risky"],
    });
    // The tier still holds for an action found at setup.
    await expect(registry.execute("test", "risky", {})).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });

    const second = makeRegistry().registry;
    const other = listedAtSetup();
    second.register(other);
    await expect(second.preview("test", "tool", { n: 2 })).resolves.toMatchObject({ summary: 'tool {"n":2}' });
    expect(other.setups).toBe(1);
    expect(other.calls).toEqual([]);
  });

  it("sets up nothing for an unknown action of a plugin that lists its actions", async () => {
    const { registry } = makeRegistry();
    const plugin = makePlugin();
    registry.register(plugin);
    await expect(registry.execute("test", "missing", {})).rejects.toMatchObject({ code: "CORTEX_ACTION_NOT_FOUND" });
    await expect(registry.preview("test", "missing", {})).rejects.toMatchObject({ code: "CORTEX_ACTION_NOT_FOUND" });
    expect(plugin.setups).toBe(0);
    expect(registry.state("test")).toBe("pending");
  });

  it("reports a failed setup of such a plugin as CORTEX_PLUGIN_NOT_READY, for execute and preview, every time", async () => {
    const { registry } = makeRegistry();
    const cause = new Error("the server would not start");
    const plugin = listedAtSetup(() => Promise.reject(cause));
    registry.register(plugin);
    // Every call, not only the first, gets the setup's outcome: the plugin never listed an action to be unknown.
    for (let i = 0; i < 2; i++) {
      await expect(registry.execute("test", "tool", {})).rejects.toMatchObject({
        code: "CORTEX_PLUGIN_NOT_READY",
        cause,
      });
      await expect(registry.preview("test", "tool", {})).rejects.toMatchObject({
        code: "CORTEX_PLUGIN_NOT_READY",
        cause,
      });
    }
    expect(plugin.setups).toBe(1);
    const second = makeRegistry().registry;
    second.register(listedAtSetup(() => Promise.reject(cause)));
    await expect(second.preview("test", "tool", {})).rejects.toMatchObject({ code: "CORTEX_PLUGIN_NOT_READY", cause });
  });

  it("stops waiting for that setup when the caller aborts (execute: aborted result; preview: failed) or the registry closes", async () => {
    let release!: () => void;
    const { registry } = makeRegistry();
    const plugin = listedAtSetup(() => new Promise<void>((resolve) => (release = resolve)));
    registry.register(plugin);
    const controller = new AbortController();
    const call = registry.execute("test", "tool", {}, { signal: controller.signal });
    await sleep(10);
    controller.abort();
    await expect(call).resolves.toMatchObject({ success: false, code: "CORTEX_ABORTED" });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    release();
    await registry.setupAllPending();
    expect(plugin.calls).toEqual([]);

    // A preview waiting for that setup is given up as the caller aborts, like any preview.
    const slow = makeRegistry().registry;
    slow.register(listedAtSetup(() => new Promise<void>(() => undefined)));
    const previewing = new AbortController();
    const preview = slow.preview("test", "tool", {}, { signal: previewing.signal }).catch((error: unknown) => error);
    await sleep(10);
    previewing.abort(new Error("the person left"));
    expect(await preview).toMatchObject({ code: "CORTEX_PREVIEW_FAILED", cause: { message: "the person left" } });
    expect(getEventListeners(previewing.signal, "abort")).toHaveLength(0);

    const second = makeRegistry().registry;
    second.register(listedAtSetup(() => new Promise<void>(() => undefined)));
    const waiting = second.execute("test", "tool", {}).catch((error: unknown) => error);
    await sleep(10);
    await second.shutdown();
    expect(await waiting).toMatchObject({ code: "CORTEX_REGISTRY_CLOSED" });
  });
});
