import { silentLogger } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { MemoryBroker } from "../src/index.js";
import { RunningCalls } from "../src/call.js";
import { runSetup, type LifecycleHost } from "../src/lifecycle.js";
import { Redactor } from "../src/redact.js";
import { buildEntry } from "../src/registration.js";
import { createAjv } from "../src/validation.js";
import { makePlugin, makeRegistry, recordingLogger, sleep } from "./fixtures.js";
import { unhandledDuring } from "./processes.js";

describe("shutdown", () => {
  it("waits for in-flight calls, then tears ready plugins down and closes everything", async () => {
    const order: string[] = [];
    const { registry } = makeRegistry();
    registry.register(
      makePlugin({
        name: "slow",
        executeAction: async () => {
          await sleep(30);
          order.push("call done");
          return { success: true };
        },
        teardown: () => void order.push("teardown"),
      }),
    );
    const pendingPlugin = makePlugin({ name: "never-used" });
    registry.register(pendingPlugin);
    await registry.setupAllPending();
    registry.register(makePlugin({ name: "late" }));
    const call = registry.execute("slow", "echo", {});
    await sleep(1);
    const report = await registry.shutdown();
    expect(await call).toEqual({ success: true });
    expect(order).toEqual(["call done", "teardown"]);
    expect(report.tornDown.sort()).toEqual(["never-used", "slow"]);
    expect(report.abortedCalls).toBe(0);
    expect(registry.state("slow")).toBe("closed");
    expect(registry.state("late")).toBe("closed");
    expect(await registry.health("slow")).toMatchObject({ status: "UNKNOWN", details: { state: "closed" } });
  });

  it("aborts calls that outlive shutdownTimeoutMs", async () => {
    let signal: AbortSignal | undefined;
    const { registry } = makeRegistry({ shutdownTimeoutMs: 20, timeoutMs: 5_000 });
    registry.register(
      makePlugin({
        executeAction: (_a, _p, c) => {
          signal = c?.signal;
          return new Promise(() => undefined);
        },
      }),
    );
    const call = registry.execute("test", "echo", {});
    await sleep(5);
    const report = await registry.shutdown();
    expect(report.abortedCalls).toBe(1);
    expect(await call).toMatchObject({
      success: false,
      code: "CORTEX_ABORTED",
      error: expect.stringContaining("shut down") as string,
    });
    expect(signal?.aborted).toBe(true);
  });

  it("aborts exactly the calls still running, however the others settled in between", async () => {
    const { registry } = makeRegistry({ shutdownTimeoutMs: 20, timeoutMs: 5_000 });
    registry.register(
      makePlugin({
        executeAction: (_a, params) =>
          typeof params.after === "number"
            ? sleep(params.after).then(() => ({ success: true }))
            : new Promise(() => undefined),
      }),
    );
    await registry.setupAllPending();
    const calls = [{ after: 5 }, {}, { after: 1 }, {}, {}].map((params) => registry.execute("test", "echo", params));
    await sleep(15);
    expect((await registry.shutdown()).abortedCalls).toBe(3);
    expect((await Promise.all(calls)).map((r) => r.code ?? "ok")).toEqual([
      "ok",
      "CORTEX_ABORTED",
      "ok",
      "CORTEX_ABORTED",
      "CORTEX_ABORTED",
    ]);
  });

  it("tears down every ready plugin even when some teardowns throw or hang", async () => {
    const { registry, logger } = makeRegistry({ shutdownTimeoutMs: 20 });
    const good = makePlugin({ name: "good" });
    registry.register(good);
    registry.register(
      makePlugin({
        name: "throws",
        teardown: () => {
          throw new Error("cannot close");
        },
      }),
    );
    registry.register(makePlugin({ name: "hangs", teardown: () => new Promise(() => undefined) }));
    registry.register(makePlugin({ name: "failed", setup: () => Promise.reject(new Error("x")) }));
    await registry.setupAllPending();
    const report = await registry.shutdown();
    expect(report.tornDown).toEqual(["good"]);
    expect(good.teardowns).toBe(1);
    expect(report.errors.map((e) => [e.plugin, e.code]).sort()).toEqual([
      ["hangs", "CORTEX_TEARDOWN_FAILED"],
      ["throws", "CORTEX_TEARDOWN_FAILED"],
    ]);
    expect(report.errors.find((e) => e.plugin === "hangs")?.cause).toMatchObject({ code: "CORTEX_TIMEOUT" });
    expect(logger.lines.filter((l) => l.level === "error" && l.message.startsWith("teardown of plugin"))).toHaveLength(
      2,
    );
  });

  it("is idempotent and refuses new work", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry();
    registry.register(plugin);
    await registry.setupAllPending();
    const first = registry.shutdown();
    expect(registry.shutdown()).toBe(first);
    await first;
    expect(await registry.shutdown()).toBe(await first);
    expect(plugin.teardowns).toBe(1);
    await expect(registry.execute("test", "echo", {})).rejects.toMatchObject({ code: "CORTEX_REGISTRY_CLOSED" });
    expect(() => registry.register(makePlugin({ name: "new" }))).toThrow(
      expect.objectContaining({ code: "CORTEX_REGISTRY_CLOSED" }),
    );
  });

  it("a call waiting on setup when shutdown starts is refused, and the late-ready plugin is torn down", async () => {
    const plugin = makePlugin({ setup: () => sleep(30) });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const call = registry.execute("test", "echo", {}).catch((e: unknown) => e);
    await sleep(1);
    const report = await registry.shutdown();
    expect(await call).toMatchObject({ code: "CORTEX_REGISTRY_CLOSED" });
    expect(report.tornDown).toEqual(["test"]);
    expect(plugin.calls).toHaveLength(0);
  });
});

describe("a setup that finishes after its timeout is torn down", () => {
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
    const host: LifecycleHost = {
      logger: recordingLogger(),
      redactor: new Redactor(),
      running: new RunningCalls(),
      watched: new WeakSet(),
      teardownTimeoutMs: 1_000,
    };
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
