import { describe, expect, it } from "vitest";
import { makePlugin, makeRegistry, sleep } from "./fixtures.js";

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
