import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryBroker, silentLogger } from "@cortex/plugins";
import { afterEach, describe, expect, it } from "vitest";
import { discoverMcpServers, registerMcpServers } from "../src/index.js";
import { quietRegistry, TINY } from "./support.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function host(manifest: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cortex-mcp-discovery-"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "host-app", ...manifest }));
  return dir;
}

/** The servers' connect limit: far above what starting node with the SDK takes on a loaded machine. */
const CONNECT_MS = 40_000;

const options = (cwd: string) => ({ cwd, broker: new MemoryBroker({}), logger: silentLogger });

describe("discoverMcpServers", () => {
  it("finds the servers of cortex.mcpServers as plugins and reports broken entries without stopping", async () => {
    const cwd = await host({
      cortex: {
        mcpServers: {
          tiny: { command: "node", args: [TINY], connectTimeoutMs: CONNECT_MS, tiers: { echo: "CONFIRM" } },
          typo: { comand: "node" },
          dead: { command: "/no/such/program", connectTimeoutMs: 2_000 },
          odd: "node server.js",
        },
      },
    });
    const found = await discoverMcpServers(options(cwd));
    expect(found.plugins.map((p) => [p.name, p.packageName])).toEqual([["tiny", "host-app"]]);
    expect(found.plugins[0]!.plugin.listActions().find((a) => a.name === "echo")?.tier).toBe("CONFIRM");
    const failed: Record<string, string> = Object.fromEntries(
      found.failed.map((f) => [f.plugin ?? "", f.error.code] as const),
    );
    expect(failed).toEqual({
      typo: "CORTEX_MCP_DISCOVERY_FAILED",
      dead: "CORTEX_MCP_CONNECT_FAILED",
      odd: "CORTEX_MCP_DISCOVERY_FAILED",
    });
    expect(found.failed.find((f) => f.plugin === "typo")?.error.message).toMatch(/unknown setting\(s\): comand/);
  });

  it("lets the host impose settings, such as distrusting annotations", async () => {
    const cwd = await host({
      cortex: { mcpServers: { tiny: { command: "node", args: [TINY], connectTimeoutMs: CONNECT_MS } } },
    });
    const found = await discoverMcpServers({ ...options(cwd), override: { trustAnnotations: false } });
    expect(new Set(found.plugins[0]!.plugin.listActions().map((a) => a.tier))).toEqual(new Set(["CONFIRM"]));
  });

  it("finds nothing without cortex.mcpServers, and refuses a package.json it cannot use", async () => {
    expect(await discoverMcpServers(options(await host({})))).toEqual({ plugins: [], skipped: [], failed: [] });
    await expect(discoverMcpServers(options(await host({ cortex: { mcpServers: [] } })))).rejects.toMatchObject({
      code: "CORTEX_MCP_DISCOVERY_FAILED",
    });
    await expect(discoverMcpServers(options(join(tmpdir(), "no-such-folder-for-cortex")))).rejects.toMatchObject({
      code: "CORTEX_MCP_DISCOVERY_FAILED",
    });
  });
});

describe("registerMcpServers", () => {
  it("registers each server beside the other plugins; health and exec work on it; a second pass skips it", async () => {
    const cwd = await host({
      cortex: { mcpServers: { tiny: { command: "node", args: [TINY], connectTimeoutMs: CONNECT_MS } } },
    });
    const registry = quietRegistry();
    cleanups.push(() => registry.shutdown());
    const report = await registerMcpServers(registry, options(cwd));
    expect(report.registered).toEqual([{ name: "tiny", package: "host-app" }]);
    expect(await registry.execute("tiny", "echo", { text: "hi" })).toMatchObject({ success: true });
    expect((await registry.health("tiny")).status).toBe("HEALTHY");
    const again = await registerMcpServers(registry, options(cwd));
    expect(again.registered).toEqual([]);
    expect(again.skipped[0]?.reason).toMatch(/registered already/);
  });
});

describe("PluginRegistry.discoverAndRegister", () => {
  it("registers the servers of cortex.mcpServers through the @cortex/mcp the host installed", async () => {
    const cwd = await host({
      cortex: { mcpServers: { tiny: { command: "node", args: [TINY], connectTimeoutMs: CONNECT_MS } } },
    });
    // The host's node_modules holds this package, as `npm install @cortex/mcp` would put it there.
    await mkdir(join(cwd, "node_modules", "@cortex"), { recursive: true });
    const self = join(dirname(fileURLToPath(import.meta.url)), "..");
    await symlink(self, join(cwd, "node_modules", "@cortex", "mcp"), "dir");
    const registry = quietRegistry();
    cleanups.push(() => registry.shutdown());
    // Loading @cortex/mcp (and starting the server) gets far more than a loaded machine takes.
    const report = await registry.discoverAndRegister({ cwd, loadTimeoutMs: 60_000 });
    expect(report.failed).toEqual([]);
    expect(report.registered).toEqual([{ name: "tiny", package: "host-app" }]);
    expect(registry.listActions().some((a) => a.plugin === "tiny" && a.name === "echo")).toBe(true);
    expect(await registry.execute("tiny", "echo", { text: "hi" })).toMatchObject({ success: true });
  });
});
