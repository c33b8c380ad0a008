import { MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";
import { afterEach, describe, expect, it } from "vitest";
import { mcpServerPlugin, serveMcp } from "../src/index.js";
// @ts-expect-error -- a plain JavaScript fixture without types
import { createNotesPlugin } from "./fixtures/notes-plugin.mjs";

// mcpServerPlugin over Streamable HTTP, against a Cortex registry served by
// serveMcp (so both directions meet): the token comes from the broker into a
// header, and never shows in what the plugin returns.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const TOKEN = "bearer-token-for-the-http-test";

async function remote() {
  const inner = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
  inner.register((createNotesPlugin as () => never)());
  const handle = await serveMcp(inner, { transport: "http", token: TOKEN, logger: silentLogger });
  cleanups.push(async () => {
    await handle.close();
    await inner.shutdown();
  });
  return handle.url!;
}

describe("mcpServerPlugin over Streamable HTTP", () => {
  it("connects with a credential header, maps the served tiers back, and runs AUTO tools", async () => {
    const url = await remote();
    const broker = new MemoryBroker({ remote_token: TOKEN });
    const plugin = mcpServerPlugin({
      name: "remote",
      url,
      credentials: { remote_token: { description: "bearer token", header: "Authorization", format: "Bearer {value}" } },
      broker,
      logger: silentLogger,
    });
    const registry = new PluginRegistry({ broker, logger: silentLogger });
    registry.register(plugin);
    cleanups.push(() => registry.shutdown());
    expect(await registry.setupAllPending()).toEqual({ ready: ["remote"], failed: [] });
    const tiers = Object.fromEntries(registry.listActions().map((a) => [a.name, a.tier]));
    // "__" is not allowed in an action name: notes__list becomes notes_list. Served annotations:
    // read-only AUTO stays AUTO; anything else fails closed to CONFIRM here.
    expect(tiers).toEqual({ notes_list: "AUTO", notes_stamp: "CONFIRM", notes_add: "CONFIRM", notes_purge: "CONFIRM" });
    const listed = await registry.execute("remote", "notes_list", {});
    expect(listed).toMatchObject({ success: true, data: { structuredContent: { notes: [] } } });
    expect((await registry.health("remote")).status).toBe("HEALTHY");
  });

  it("fails to connect without the token", async () => {
    const url = await remote();
    const plugin = mcpServerPlugin({ name: "remote", url, logger: silentLogger, connectTimeoutMs: 3_000 });
    await expect(plugin.setup(new MemoryBroker({}))).rejects.toMatchObject({
      code: "CORTEX_MCP_CONNECT_FAILED",
    });
  });
});
