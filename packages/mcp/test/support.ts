import { join } from "node:path";
import { MemoryBroker, PluginRegistry, silentLogger, type CredentialBroker } from "@cortex/plugins";
import { mcpServerPlugin, type McpServerPlugin, type McpServerPluginOptions } from "../src/index.js";

/** The tiny fixture server (see its header for what each tool does). */
export const TINY = join(import.meta.dirname, "fixtures", "tiny-server.mjs");
/** A server that never answers. */
export const SILENT = join(import.meta.dirname, "fixtures", "silent-server.mjs");

/** The tiny server as a plugin, quiet; fault tests pass their own short limits. */
export function tinyPlugin(options: Partial<McpServerPluginOptions> = {}): McpServerPlugin {
  return mcpServerPlugin({
    name: "tiny",
    command: "node",
    args: [TINY],
    logger: silentLogger,
    broker: new MemoryBroker({}),
    // Generous: on a loaded CI machine a node child importing the SDK can take tens of seconds to answer.
    connectTimeoutMs: 40_000,
    ...options,
  });
}

/**
 * A registry over `broker` with nothing logged. Its limits are far above what starting a server
 * (setup, or a call that restarts it) and a health ping take on a loaded machine, and above the
 * tiny server's connect limit; tests of timeouts pass their own per call.
 */
export function quietRegistry(broker: CredentialBroker = new MemoryBroker({}), timeoutMs = 60_000): PluginRegistry {
  return new PluginRegistry({
    broker,
    logger: silentLogger,
    timeoutMs,
    setupTimeoutMs: 60_000,
    healthTimeoutMs: 30_000,
  });
}

/** Polls `check` every 25 ms until it holds or `ms` pass (a process ending can take seconds on a loaded machine). */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}
