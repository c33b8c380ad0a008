import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { CredentialBroker, DiscoveryReport, DiscoveryResult, PluginRegistry } from "@cortex/plugins";
import { isCortexError, isPlainObject, messageOf, type Logger } from "@cortex/primitives";
import { McpDiscoveryError } from "./errors.js";
import { mcpServerPlugin } from "./client/server-plugin.js";
import type { McpServerPluginOptions } from "./client/options.js";

/** Options of {@link discoverMcpServers} and {@link registerMcpServers}. */
export interface McpDiscoveryOptions {
  /** Folder holding the host's package.json; default `process.cwd()`. */
  readonly cwd?: string;
  /** Credentials for listing each server's tools (the registry's broker is used at setup). Default `new EnvBroker()`. */
  readonly broker?: CredentialBroker;
  /** Logger handed to each server plugin. */
  readonly logger?: Logger;
  /** Server names not to connect to, reported as `skipped` (say, plugins registered already). */
  readonly exclude?: readonly string[];
  /** Settings the host imposes on every declared server, over what package.json says (e.g. `{ trustAnnotations: false }`). */
  readonly override?: Partial<
    Pick<McpServerPluginOptions, "trustAnnotations" | "defaultTier" | "connectTimeoutMs" | "callTimeoutMs">
  >;
}

/** Keys a `cortex.mcpServers` entry may have: a typo is an error, not a silently ignored setting. */
const ENTRY_KEYS = new Set([
  "command",
  "args",
  "env",
  "cwd",
  "url",
  "headers",
  "credentials",
  "tiers",
  "defaultTier",
  "trustAnnotations",
  "version",
  "description",
  "connectTimeoutMs",
  "callTimeoutMs",
  "pingTimeoutMs",
  "closeTimeoutMs",
  "maxRestarts",
  "restartBackoffMs",
  "restartBackoffMaxMs",
  "maxResultChars",
  "includeBinary",
]);

/**
 * Reads the MCP servers the host declares in its package.json
 * (`"cortex": { "mcpServers": { "<name>": { command, args, … } } }`),
 * connects to each once to list its tools, and returns them as plugins in
 * the shape `discoverPlugins` returns. A relative `cwd` (default: the
 * host's folder) is resolved against the host's folder. One broken entry
 * is reported in `failed` and never stops the others. Throws
 * `CORTEX_MCP_DISCOVERY_FAILED` only when package.json cannot be read or
 * `cortex.mcpServers` is not an object.
 */
export async function discoverMcpServers(options: McpDiscoveryOptions = {}): Promise<DiscoveryResult> {
  const dir = resolve(options.cwd ?? process.cwd());
  let host: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    if (!isPlainObject(parsed)) throw new Error("it is not a JSON object");
    host = parsed;
  } catch (error) {
    throw new McpDiscoveryError(undefined, `cannot read ${join(dir, "package.json")}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const packageName = typeof host.name === "string" ? host.name : dir;
  const cortex = isPlainObject(host.cortex) ? host.cortex : {};
  const servers = cortex.mcpServers;
  const result: DiscoveryResult = { plugins: [], skipped: [], failed: [] };
  if (servers === undefined) return result;
  if (!isPlainObject(servers))
    throw new McpDiscoveryError(undefined, `${packageName}: "cortex.mcpServers" must be an object`);
  const excluded = new Set(options.exclude ?? []);
  for (const name of Object.keys(servers).filter((n) => excluded.has(n))) {
    result.skipped.push({
      package: packageName,
      reason: `MCP server "${name}" was not started: excluded (a plugin of that name is registered already)`,
    });
  }
  const settled = await Promise.all(
    Object.entries(servers)
      .filter(([name]) => !excluded.has(name))
      .map(async ([name, entry]) => {
        try {
          if (!isPlainObject(entry)) throw new McpDiscoveryError(name, `cortex.mcpServers.${name} must be an object`);
          const unknown = Object.keys(entry).filter((k) => !ENTRY_KEYS.has(k));
          if (unknown.length > 0) {
            throw new McpDiscoveryError(
              name,
              `cortex.mcpServers.${name} has unknown setting(s): ${unknown.join(", ")}`,
            );
          }
          const cwd = resolve(dir, typeof entry.cwd === "string" ? entry.cwd : ".");
          const plugin = mcpServerPlugin({
            ...(entry as Partial<McpServerPluginOptions>),
            ...options.override,
            name,
            ...(entry.command === undefined ? {} : { cwd }),
            ...(options.broker ? { broker: options.broker } : {}),
            ...(options.logger ? { logger: options.logger } : {}),
          });
          // Listed now, so the host's plugin list and the registry show the tools before any setup.
          await plugin.preload();
          return { name, plugin, error: undefined };
        } catch (error) {
          const coded = isCortexError(error)
            ? error
            : new McpDiscoveryError(name, `MCP server "${name}": ${messageOf(error)}`, { cause: error });
          return { name, plugin: undefined, error: coded };
        }
      }),
  );
  for (const s of settled) {
    if (s.error === undefined) result.plugins.push({ name: s.name, packageName, plugin: s.plugin });
    else
      result.failed.push({
        package: packageName,
        plugin: s.name,
        error: s.error,
      });
  }
  return result;
}

/**
 * Discovers the host's MCP servers (see {@link discoverMcpServers}) and
 * registers each in `registry`; a name registered already (say, by a
 * registry that discovers MCP servers itself) is `skipped`.
 */
export async function registerMcpServers(
  registry: PluginRegistry,
  options: McpDiscoveryOptions = {},
): Promise<DiscoveryReport> {
  const found = await discoverMcpServers({ ...options, exclude: [...(options.exclude ?? []), ...registry.names()] });
  const report: DiscoveryReport = { registered: [], skipped: [...found.skipped], failed: [...found.failed] };
  for (const { name, packageName, plugin } of found.plugins) {
    if (registry.get(name) !== undefined) {
      report.skipped.push({
        package: packageName,
        reason: `MCP server "${name}": a plugin of that name is registered already`,
      });
      continue;
    }
    try {
      registry.register(plugin);
      report.registered.push({ name, package: packageName });
    } catch (error) {
      if (!isCortexError(error)) throw error;
      report.failed.push({
        package: packageName,
        plugin: name,
        error,
      });
    }
  }
  return report;
}
