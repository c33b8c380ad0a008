import { describe, expect, it } from "vitest";
import { worstStatus } from "../src/health.js";
import { MemoryBroker, PluginRegistry } from "../src/index.js";
import { makePlugin, makeRegistry, recordingLogger } from "./fixtures.js";

describe("health", () => {
  it("worst status: UNHEALTHY > DEGRADED > UNKNOWN > HEALTHY, HEALTHY for none", () => {
    expect(worstStatus([])).toBe("HEALTHY");
    expect(worstStatus(["HEALTHY", "UNKNOWN"])).toBe("UNKNOWN");
    expect(worstStatus(["UNKNOWN", "DEGRADED", "HEALTHY"])).toBe("DEGRADED");
    expect(worstStatus(["DEGRADED", "UNHEALTHY"])).toBe("UNHEALTHY");
  });

  it("pending plugins are UNKNOWN and health never triggers setup", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry();
    registry.register(plugin);
    expect(await registry.health("test")).toEqual({ plugin: "test", status: "UNKNOWN", details: { state: "pending" } });
    expect(plugin.setups).toBe(0);
  });

  it("failed plugins are UNHEALTHY with their setup error", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin({ setup: () => Promise.reject(new Error("no creds")) }));
    await registry.setupAllPending();
    expect(await registry.health("test")).toEqual({
      plugin: "test",
      status: "UNHEALTHY",
      details: { state: "failed" },
      error: "no creds",
    });
  });

  it("ready plugins are asked; their report's plugin name is the registered one", async () => {
    const { registry } = makeRegistry();
    registry.register(
      makePlugin({ health: async () => ({ plugin: "other", status: "DEGRADED", details: { ms: 900 } }) }),
    );
    await registry.setupAllPending();
    expect(await registry.health("test")).toEqual({ plugin: "test", status: "DEGRADED", details: { ms: 900 } });
  });

  it.each([
    [
      "throws",
      () => {
        throw new Error("ping failed");
      },
      "ping failed",
    ],
    ["rejects", () => Promise.reject(new Error("ping rejected")), "ping rejected"],
    ["times out", () => new Promise(() => undefined), 'plugin "test" health check did not finish within 30 ms'],
    ["returns garbage", () => ({ status: "FINE" }), 'plugin "test" health() returned an invalid report'],
  ])("a health check that %s is UNHEALTHY with an error", async (_label, health, error) => {
    const { registry } = makeRegistry({ healthTimeoutMs: 30 });
    registry.register(makePlugin({ health: health as never }));
    await registry.setupAllPending();
    expect(await registry.health("test")).toEqual({ plugin: "test", status: "UNHEALTHY", error });
  });

  it("redacts secrets the broker handed out from a report's details as well as its error", async () => {
    const secret = "s3cr3t-pass";
    const registry = new PluginRegistry({
      broker: new MemoryBroker({ pw: secret, url: "https://dav.example" }),
      logger: recordingLogger(),
    });
    registry.register(
      makePlugin({
        async setup(broker) {
          await broker.get("pw");
          await broker.get("url", { secret: false });
        },
        health: () => ({
          plugin: "test",
          status: "HEALTHY",
          details: { server: `https://ann:${secret}@dav.example`, nested: [{ auth: secret }], calls: 3 },
        }),
      }),
    );
    await registry.setupAllPending();
    const report = await registry.health("test");
    expect(report.details).toEqual({
      server: "https://ann:[REDACTED]@dav.example",
      nested: [{ auth: "[REDACTED]" }],
      calls: 3,
    });
  });

  it("redacts secrets from every field of a report at any depth, object keys included", async () => {
    const secret = "s3cr3t-pass";
    const registry = new PluginRegistry({ broker: new MemoryBroker({ pw: secret }), logger: recordingLogger() });
    registry.register(
      makePlugin({
        async setup(broker) {
          await broker.get("pw");
        },
        health: () =>
          ({
            plugin: "test",
            status: "DEGRADED",
            error: `login ${encodeURIComponent(secret)} refused`,
            details: {
              a: {
                b: {
                  c: { d: { e: { f: [{ [secret]: `Basic ${Buffer.from(`ann:${secret}`).toString("base64")}` }] } } },
                },
              },
            },
            extra: { note: secret },
          }) as never,
      }),
    );
    await registry.setupAllPending();
    const report = await registry.health("test");
    const text = JSON.stringify(report);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(`ann:${secret}`).toString("base64"));
    expect(report).toMatchObject({
      status: "DEGRADED",
      error: "login [REDACTED] refused",
      details: {
        a: { b: { c: { d: { e: { f: [{ "[REDACTED]": expect.stringContaining("[REDACTED]") as string }] } } } } },
      },
      extra: { note: "[REDACTED]" },
    });
  });

  it("a report that is not JSON data is UNHEALTHY, never a thrown error", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const details of [{ n: 1n }, circular]) {
      const { registry } = makeRegistry();
      registry.register(makePlugin({ health: () => ({ plugin: "test", status: "HEALTHY", details }) }));
      await registry.setupAllPending();
      expect(await registry.health("test")).toMatchObject({ plugin: "test", status: "UNHEALTHY" });
    }
  });

  it("unknown plugin → CORTEX_PLUGIN_NOT_FOUND", async () => {
    const { registry } = makeRegistry();
    await expect(registry.health("nope")).rejects.toMatchObject({ code: "CORTEX_PLUGIN_NOT_FOUND" });
  });

  it("healthAll covers pending, failed and ready plugins with the worst status overall", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin({ name: "ok" }));
    registry.register(makePlugin({ name: "bad", setup: () => Promise.reject(new Error("x")) }));
    await registry.setupAllPending();
    registry.register(makePlugin({ name: "later" }));
    const all = await registry.healthAll();
    expect(all.status).toBe("UNHEALTHY");
    expect(all.plugins.map((p) => [p.plugin, p.status])).toEqual([
      ["ok", "HEALTHY"],
      ["bad", "UNHEALTHY"],
      ["later", "UNKNOWN"],
    ]);
    const { registry: empty } = makeRegistry();
    expect(await empty.healthAll()).toEqual({ status: "HEALTHY", plugins: [] });
  });
});
