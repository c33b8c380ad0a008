import { realpath } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  findPackageDir,
  isCortexError,
  isPlainObject,
  mainEntry,
  withDeadline,
  type CortexError,
  type Logger,
} from "@cortex/primitives";
import { messageText, DiscoveryError, InvalidPluginError, type DiscoveryErrorCode } from "./errors.js";
import type { Plugin } from "./models.js";
import { REGISTRY_DEFAULTS, timeLimit } from "./options.js";
import { isFile, isInside, readJson } from "./packages.js";
import { isValidPluginName } from "./registration.js";

/** Dependency fields of the host's package.json that discovery reads. */
export type DependencyField = "dependencies" | "optionalDependencies" | "devDependencies";

/** Options of discovery. */
export interface DiscoveryOptions {
  /** Folder holding the host's package.json; default `process.cwd()`. */
  cwd?: string;
  /** Which dependency fields to read; default all three of {@link DependencyField}. */
  include?: readonly DependencyField[];
  /**
   * Limit for loading each `cortex.plugins` entry (importing its module, then
   * constructing the class or awaiting the factory); default 10 000. A number
   * > 0, or `Infinity` for no limit; anything else rejects with
   * `CORTEX_INVALID_OPTIONS`. An entry that does not load in time is reported
   * in `failed` as `CORTEX_PLUGIN_LOAD_FAILED` and discovery goes on; an
   * import cannot be cancelled, so a hung module keeps running in the
   * background (its factory is then never called).
   */
  loadTimeoutMs?: number;
  /**
   * `discoverAndRegister` only: whether to register the MCP servers of
   * `cortex.mcpServers` too (through `@cortex/mcp`); default true. `false`
   * leaves them to the caller (say, `registerMcpServers` with its own options).
   */
  mcpServers?: boolean;
}

/** What `discoverAndRegister` did, per package. */
export interface DiscoveryReport {
  registered: { name: string; package: string }[];
  /** Dependencies that are not installed or declare no `cortex.plugins`. */
  skipped: { package: string; reason: string }[];
  /** Packages or entries that could not be read, loaded or registered. */
  /** Coded errors: this package's, or a branded error the plugin package itself threw. */
  failed: { package: string; plugin?: string; error: CortexError<string> }[];
}

/** A plugin found and loaded, not yet registered. */
export interface DiscoveredPlugin {
  name: string;
  packageName: string;
  plugin: Plugin;
}

/** What `discoverPlugins` found. */
export interface DiscoveryResult {
  plugins: DiscoveredPlugin[];
  skipped: DiscoveryReport["skipped"];
  failed: DiscoveryReport["failed"];
}

const ALL_FIELDS: readonly DependencyField[] = ["dependencies", "optionalDependencies", "devDependencies"];
const EXPORT_NAME = /^[A-Za-z_$][\w$]*$/;

const fail = (code: DiscoveryErrorCode, pkg: string, message: string, cause?: unknown) =>
  new DiscoveryError(code, pkg, message, cause);

/**
 * Loads the plugins declared in `cortex.plugins` of the host's direct
 * dependencies. Packages are found the way Node resolves them (walking up
 * `node_modules` folders, through pnpm's symlinks); `node_modules` is never
 * scanned. Each entry is loaded with `import()` of a file URL, so ESM and
 * CommonJS plugins both work. Packages, and the entries of each package, load
 * concurrently, each entry within `loadTimeoutMs`; the result lists them in
 * the order of the host's dependencies (then of `cortex.plugins`), whatever
 * order they finish in. A broken or hung package is reported, never thrown;
 * only an unreadable host package.json throws (`CORTEX_DISCOVERY_FAILED`),
 * and a bad `loadTimeoutMs` (`CORTEX_INVALID_OPTIONS`, before anything is read).
 */
export async function discoverPlugins(options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  // Only `undefined` means the default: a JavaScript caller's `null` is an error.
  const { loadTimeoutMs = REGISTRY_DEFAULTS.loadTimeoutMs }: { loadTimeoutMs?: unknown } = options;
  const limit = timeLimit("discovery", "loadTimeoutMs", loadTimeoutMs);
  const host = await readJson(join(cwd, "package.json")).catch((error: unknown) => {
    throw fail("CORTEX_DISCOVERY_FAILED", cwd, `cannot read the host package.json: ${messageText(error)}`, error);
  });
  const names = new Set<string>();
  for (const field of options.include ?? ALL_FIELDS) {
    const deps = host[field];
    if (isPlainObject(deps)) for (const name of Object.keys(deps)) names.add(name);
  }
  // Concurrent, so a hung package costs one limit in all rather than one each;
  // merged in dependency order, so the result does not depend on timing.
  const found = await Promise.all(
    [...names].map(async (packageName) => {
      const result: DiscoveryResult = { plugins: [], skipped: [], failed: [] };
      try {
        await discoverPackage(cwd, packageName, limit, result);
      } catch (error) {
        const coded = isCortexError(error)
          ? error
          : fail("CORTEX_DISCOVERY_FAILED", packageName, messageText(error), error);
        result.failed.push({ package: packageName, error: coded });
      }
      return result;
    }),
  );
  const result: DiscoveryResult = { plugins: [], skipped: [], failed: [] };
  for (const one of found) {
    result.plugins.push(...one.plugins);
    result.skipped.push(...one.skipped);
    result.failed.push(...one.failed);
  }
  return result;
}

async function discoverPackage(
  cwd: string,
  packageName: string,
  limit: number,
  result: DiscoveryResult,
): Promise<void> {
  const dir = await findPackageDir(cwd, packageName);
  if (dir === undefined) {
    result.skipped.push({ package: packageName, reason: "not installed" });
    return;
  }
  const manifest = await readJson(join(dir, "package.json")).catch((error: unknown) => {
    throw fail("CORTEX_DISCOVERY_FAILED", packageName, `cannot read package.json: ${messageText(error)}`, error);
  });
  const cortex = manifest.cortex;
  const entries = isPlainObject(cortex) ? cortex.plugins : undefined;
  if (entries === undefined) {
    result.skipped.push({ package: packageName, reason: "declares no cortex.plugins" });
    return;
  }
  if (!isPlainObject(entries)) {
    throw fail("CORTEX_INVALID_SPECIFIER", packageName, "cortex.plugins must be an object of name → specifier");
  }
  const loaded = await Promise.all(
    Object.entries(entries).map(([key, spec]) =>
      loadEntry(dir, manifest, packageName, key, spec, limit).then(
        (plugin) => ({ key, plugin }),
        (error: unknown) => ({
          key,
          error: isCortexError(error)
            ? error
            : fail("CORTEX_PLUGIN_LOAD_FAILED", packageName, messageText(error), error),
        }),
      ),
    ),
  );
  for (const entry of loaded) {
    if ("plugin" in entry) result.plugins.push({ name: entry.key, packageName, plugin: entry.plugin });
    else result.failed.push({ package: packageName, plugin: entry.key, error: entry.error });
  }
}

async function loadEntry(
  dir: string,
  manifest: Record<string, unknown>,
  pkg: string,
  key: string,
  spec: unknown,
  limit: number,
): Promise<Plugin> {
  const where = `cortex.plugins["${key}"]`;
  if (!isValidPluginName(key))
    throw fail("CORTEX_INVALID_SPECIFIER", pkg, `${where}: the key is not a valid plugin name`);
  if (typeof spec !== "string" || spec === "") {
    throw fail("CORTEX_INVALID_SPECIFIER", pkg, `${where} must be a string like "./dist/index.js#MyPlugin"`);
  }
  const parts = spec.split("#");
  const [modulePart = "", exportName = "default"] = parts;
  if (parts.length > 2 || modulePart === "" || !EXPORT_NAME.test(exportName)) {
    throw fail("CORTEX_INVALID_SPECIFIER", pkg, `${where} "${spec}" is malformed (expected "<path>#<export>")`);
  }
  if (isAbsolute(modulePart) || /^[a-zA-Z]:/.test(modulePart)) {
    throw fail("CORTEX_INVALID_SPECIFIER", pkg, `${where} "${spec}" must be relative to the package, not absolute`);
  }
  const target = modulePart === "." ? mainEntry(manifest) : modulePart;
  if (!target.startsWith("./") && !target.startsWith("../")) {
    throw fail("CORTEX_INVALID_SPECIFIER", pkg, `${where} "${spec}" must start with "./" (or be ".")`);
  }
  const file = resolve(dir, target);
  if (!isInside(dir, file))
    throw fail("CORTEX_INVALID_SPECIFIER", pkg, `${where} "${spec}" points outside the package`);
  if (!(await isFile(file))) throw fail("CORTEX_INVALID_SPECIFIER", pkg, `${where}: file ${target} does not exist`);
  const real = await realpath(file);
  if (!isInside(dir, real)) throw fail("CORTEX_INVALID_SPECIFIER", pkg, `${where} "${spec}" links outside the package`);

  // An import cannot be cancelled: when the limit passes, the load is given up on (its signal
  // aborts) and its late result or rejection is ignored.
  const plugin = await withDeadline(
    async (signal) => {
      let namespace: Record<string, unknown>;
      try {
        namespace = (await import(pathToFileURL(real).href)) as Record<string, unknown>;
      } catch (error) {
        throw fail(
          "CORTEX_PLUGIN_LOAD_FAILED",
          pkg,
          `${where}: importing ${target} failed: ${messageText(error)}`,
          error,
        );
      }
      // Discovery has given up on this entry: do not run plugin code for nothing.
      if (signal.aborted) return undefined;
      const value = pickExport(namespace, exportName);
      if (value === undefined) {
        throw fail("CORTEX_PLUGIN_LOAD_FAILED", pkg, `${where}: ${target} has no export "${exportName}"`);
      }
      try {
        return typeof value === "function" ? await instantiate(value as (...args: never[]) => unknown) : value;
      } catch (error) {
        throw fail(
          "CORTEX_PLUGIN_LOAD_FAILED",
          pkg,
          `${where}: creating the plugin failed: ${messageText(error)}`,
          error,
        );
      }
    },
    {
      timeoutMs: limit,
      timeoutError: () =>
        fail(
          "CORTEX_PLUGIN_LOAD_FAILED",
          pkg,
          `${where}: ${target} did not load within ${limit} ms (import and construction); ` +
            "an import cannot be cancelled, so it keeps running in the background",
        ),
    },
  );
  const name = typeof plugin === "object" && plugin !== null ? (plugin as { name?: unknown }).name : undefined;
  if (name !== key) {
    throw fail(
      "CORTEX_PLUGIN_NAME_MISMATCH",
      pkg,
      `${where} loaded a plugin named ${JSON.stringify(name)}, not "${key}"`,
    );
  }
  return plugin as Plugin;
}

function pickExport(namespace: Record<string, unknown>, exportName: string): unknown {
  if (namespace[exportName] !== undefined) return namespace[exportName];
  // CommonJS modules whose named exports Node's lexer could not see.
  const cjs = namespace.default;
  if (exportName !== "default" && (typeof cjs === "object" || typeof cjs === "function") && cjs !== null) {
    return (cjs as Record<string, unknown>)[exportName];
  }
  return undefined;
}

/** Classes are constructed without arguments; other functions are zero-argument (maybe async) factories. */
async function instantiate(fn: (...args: never[]) => unknown): Promise<unknown> {
  const proto = (fn as { prototype?: { executeAction?: unknown } }).prototype;
  const isClass =
    Function.prototype.toString.call(fn).startsWith("class") || typeof proto?.executeAction === "function";
  return isClass ? new (fn as unknown as new () => unknown)() : await fn();
}

/**
 * Registers what discovery found, each plugin on its own: one that fails to
 * register, whatever it throws, is reported in `failed` (with the packages
 * that failed to load), each failure logged as a warning.
 */
export function registerDiscovered(
  found: DiscoveryResult,
  register: (plugin: Plugin) => void,
  logger: Logger,
): DiscoveryReport {
  const report: DiscoveryReport = { registered: [], skipped: found.skipped, failed: [...found.failed] };
  for (const { name, packageName, plugin } of found.plugins) {
    try {
      register(plugin);
      report.registered.push({ name, package: packageName });
    } catch (error) {
      const coded = isCortexError(error) ? error : new InvalidPluginError(name, messageText(error), error);
      report.failed.push({ package: packageName, plugin: name, error: coded });
    }
  }
  for (const f of report.failed) {
    logger.warn(`plugin discovery failed: ${f.error.message}`, { package: f.package, code: f.error.code });
  }
  return report;
}
