import { join } from "node:path";
import { MemoryBroker, PluginRegistry, silentLogger, type CredentialBroker } from "@cortex/plugins";
import { mcpServerPlugin, type McpServerPlugin, type McpServerPluginOptions } from "../src/index.js";

/** The tiny fixture server (see its header for what each tool does). */
export const TINY = join(import.meta.dirname, "fixtures", "tiny-server.mjs");
/** A server that never answers. */
export const SILENT = join(import.meta.dirname, "fixtures", "silent-server.mjs");

/** The tiny server as a plugin, quiet, with short limits so fault tests stay fast. */
export function tinyPlugin(options: Partial<McpServerPluginOptions> = {}): McpServerPlugin {
  return mcpServerPlugin({
    name: "tiny",
    command: "node",
    args: [TINY],
    logger: silentLogger,
    broker: new MemoryBroker({}),
    // Generous: under a loaded CI machine a node child importing the SDK can take seconds to answer.
    connectTimeoutMs: 20_000,
    ...options,
  });
}

/**
 * A registry over `broker` with nothing logged. Its call limit is far above what a call that
 * restarts the server takes on a loaded machine; tests of timeouts pass their own per call.
 */
export function quietRegistry(broker: CredentialBroker = new MemoryBroker({}), timeoutMs = 60_000): PluginRegistry {
  return new PluginRegistry({ broker, logger: silentLogger, timeoutMs });
}

/** Polls `check` every 25 ms until it holds or `ms` pass. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}
