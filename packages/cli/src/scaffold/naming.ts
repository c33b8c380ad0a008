import { basename } from "node:path";
import { PLUGIN_NAME_PATTERN } from "@cortex/plugins";
import { InvalidNameError } from "../errors.js";
import { withHint } from "../hints.js";

/** Prefix of unscoped plugin package names: `cortex-plugin-<name>`. */
export const PACKAGE_PREFIX = "cortex-plugin-";
// npm's rules for new package names: lower case, URL-safe, at most 214 characters.
const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** The names a scaffolded package is generated with. */
export interface PluginNames {
  /** Plugin name: the `cortex.plugins` key, the plugin's `name`, the tool prefix. */
  plugin: string;
  /** npm package name. */
  packageName: string;
  /** Exported factory (what `cortex.plugins` names), e.g. `createWeatherPlugin` for `weather`. */
  exportName: string;
  /** PascalCase of the plugin name, for type names, e.g. `Weather`. */
  typeName: string;
  /** Prefix of the plugin's broker keys, e.g. `my_notes` for `my-notes`. */
  keyPrefix: string;
}

/**
 * Picks the names for `create-plugin <dir> [--name] [--package]`:
 * - plugin name: `--name`, else the folder name without a leading
 *   `cortex-plugin-`; it must match `PLUGIN_NAME_PATTERN` and not contain `__`;
 * - package name: `--package`, else the folder name when it already starts
 *   with `cortex-plugin-` (even with `--name`), else `cortex-plugin-<plugin name>`.
 */
export function pluginNames(dir: string, name?: string, packageName?: string): PluginNames {
  const folder = basename(dir);
  const plugin = name ?? (folder.startsWith(PACKAGE_PREFIX) ? folder.slice(PACKAGE_PREFIX.length) : folder);
  if (!PLUGIN_NAME_PATTERN.test(plugin) || plugin.includes("__")) {
    const from = name === undefined ? ` (taken from the folder name "${folder}")` : "";
    throw withHint(
      new InvalidNameError(
        `"${plugin}"${from} is not a valid plugin name: it must match ${String(PLUGIN_NAME_PATTERN)} (start with a lower-case letter; ` +
          `then lower-case letters, digits, "-" or "_") and must not contain "__"`,
      ),
      `pass a valid name, e.g. --name ${suggest(plugin)}`,
    );
  }
  const pkg = packageName ?? (folder.startsWith(PACKAGE_PREFIX) ? folder : `${PACKAGE_PREFIX}${plugin}`);
  if (pkg.length > 214 || !NPM_NAME.test(pkg)) {
    throw withHint(
      new InvalidNameError(`"${pkg}" is not a valid npm package name`),
      `pass --package <name>: lower case, e.g. ${PACKAGE_PREFIX}${plugin} or @your-scope/cortex-${plugin}`,
    );
  }
  const typeName = pascal(plugin);
  return {
    plugin,
    packageName: pkg,
    exportName: `create${typeName}Plugin`,
    typeName,
    keyPrefix: plugin.replace(/-/g, "_"),
  };
}

function pascal(name: string): string {
  return name
    .split(/[-_]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}

function suggest(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/_{2,}/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "");
  return cleaned === "" ? "my-plugin" : cleaned;
}
