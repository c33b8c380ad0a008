import { join, resolve } from "node:path";
import { findPackageEntry, isCortexError, isPlainObject, type Logger } from "@cortex/primitives";
import type { CredentialBroker } from "./models.js";
import type { DiscoveryResult } from "./discovery.js";
import { DiscoveryError, messageText } from "./errors.js";
import { readJson } from "./packages.js";

/** The package that turns `cortex.mcpServers` entries into plugins. */
export const MCP_PACKAGE = "@cortex/mcp";

/** What this module needs of `@cortex/mcp`: its discovery function. */
interface McpModule {
  discoverMcpServers(options: {
    cwd: string;
    broker: CredentialBroker;
    logger: Logger;
    exclude: readonly string[];
  }): Promise<DiscoveryResult>;
}

/**
 * The MCP servers a host declares in its package.json
 * (`"cortex": { "mcpServers": { … } }`), as plugins. `@cortex/mcp` does the
 * work and is loaded from the host's own dependencies, the way plugin
 * packages are, so a host without MCP servers never loads it (and this
 * package never depends on it). A host that declares servers without
 * installing it gets one `CORTEX_PLUGIN_LOAD_FAILED` naming the package to
 * install; anything else that goes wrong is reported per server by
 * `@cortex/mcp` and never stops discovery.
 */
export async function discoverDeclaredMcpServers(
  folder: string | undefined,
  context: { broker: CredentialBroker; logger: Logger; exclude: readonly string[] },
): Promise<DiscoveryResult> {
  const result: DiscoveryResult = { plugins: [], skipped: [], failed: [] };
  const cwd = resolve(folder ?? process.cwd());
  // Plugin discovery has read (and reported) this file already; unreadable now, there is nothing to add.
  const host: Record<string, unknown> = await readJson(join(cwd, "package.json")).catch(() => ({}));
  const cortex = host.cortex;
  if (!isPlainObject(cortex) || cortex.mcpServers === undefined) return result;
  const hostName = typeof host.name === "string" ? host.name : cwd;
  try {
    const entry = await findPackageEntry(cwd, MCP_PACKAGE);
    if (entry === undefined) {
      throw new Error(`it declares cortex.mcpServers, which need ${MCP_PACKAGE}: npm install ${MCP_PACKAGE}`);
    }
    const module = (await import(entry)) as Partial<McpModule> | undefined;
    if (typeof module?.discoverMcpServers !== "function") {
      throw new Error(`${MCP_PACKAGE} at ${entry} does not export discoverMcpServers (too old?)`);
    }
    return await module.discoverMcpServers({ cwd, ...context });
  } catch (error) {
    result.failed.push({
      package: hostName,
      error: isCortexError(error)
        ? error
        : new DiscoveryError("CORTEX_PLUGIN_LOAD_FAILED", hostName, messageText(error), error),
    });
    return result;
  }
}
