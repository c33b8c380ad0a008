import { MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { MCP_DEFAULTS, mcpServerPlugin, serveMcp, type McpServerPluginOptions } from "../src/index.js";
import { resolveOptions } from "../src/client/options.js";

const base: McpServerPluginOptions = { name: "srv", command: "node", args: ["server.js"], logger: silentLogger };

describe("mcpServerPlugin options", () => {
  it('fills in the defaults, and runs the current Node for command "node"', () => {
    const o = resolveOptions(base);
    expect(o.stdio).toEqual({ command: process.execPath, args: ["server.js"], env: {}, cwd: undefined });
    expect(o).toMatchObject({
      defaultTier: "CONFIRM",
      trustAnnotations: true,
      connectTimeoutMs: MCP_DEFAULTS.connectTimeoutMs,
      maxRestarts: 3,
      includeBinary: false,
    });
  });

  it.each([
    [{ name: "Bad Name" }, "name"],
    [{ name: "a__b" }, "name"],
    [{ url: "http://127.0.0.1:1/mcp" }, "command"],
    [{ command: undefined }, "command"],
    [{ command: undefined, url: "ftp://x" }, "url"],
    [{ args: "server.js" }, "args"],
    [{ env: { A: 1 } }, "env"],
    [{ tiers: { echo: "SOMETIMES" } }, "tiers"],
    [{ defaultTier: "NEVER" }, "defaultTier"],
    [{ trustAnnotations: "yes" }, "trustAnnotations"],
    [{ callTimeoutMs: 0 }, "callTimeoutMs"],
    [{ maxRestarts: -1 }, "maxRestarts"],
    [{ maxResultChars: 10 }, "maxResultChars"],
    [{ credentials: { key: { description: "no target" } } }, "credentials.key"],
    [{ credentials: { key: { description: "d", env: "K", format: "no placeholder" } } }, "credentials.key"],
    [
      { command: undefined, url: "http://h/mcp", credentials: { key: { description: "d", env: "K" } } },
      "credentials.key",
    ],
  ])("refuses %j with CORTEX_INVALID_OPTIONS naming %s", (bad, option) => {
    const options = { ...base, ...bad } as McpServerPluginOptions;
    expect(() => resolveOptions(options)).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option }) as Error,
    );
    // At once, when the plugin is made: nothing is started for a bad option.
    expect(() => mcpServerPlugin(options)).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option }) as Error,
    );
  });
});

describe("serveMcp options", () => {
  const registry = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
  it.each([
    [{ transport: "carrier-pigeon" }, "transport"],
    [{ transport: "http", port: 70_000 }, "port"],
    [{ transport: "http", path: "mcp" }, "path"],
    [{ transport: "http", token: "short" }, "token"],
    [{ transport: "http", host: "192.0.2.1" }, "token"],
    [{ elicitationTimeoutMs: -1 }, "elicitationTimeoutMs"],
    [{ principal: { id: "x" } }, "principal"],
  ])("refuses %j with CORTEX_INVALID_OPTIONS naming %s", async (bad, option) => {
    await expect(serveMcp(registry, bad as never)).rejects.toMatchObject({ code: "CORTEX_INVALID_OPTIONS", option });
  });

  it("fails with CORTEX_MCP_SERVE_FAILED when the port is taken", async () => {
    const first = await serveMcp(registry, { transport: "http", logger: silentLogger });
    try {
      await expect(
        serveMcp(registry, { transport: "http", port: first.port!, logger: silentLogger }),
      ).rejects.toMatchObject({
        code: "CORTEX_MCP_SERVE_FAILED",
      });
    } finally {
      await first.close();
    }
  });
});
