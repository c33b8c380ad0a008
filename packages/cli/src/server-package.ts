import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isPlainObject } from "@cortex/primitives";
import type * as Server from "@cortex/server";
import { importOptional } from "./optional.js";

/** The optional package `cortex serve` and `cortex ledger verify` delegate to. */
export const SERVER_PACKAGE = "@cortex/server";

/** What the commands use of `@cortex/server`. */
export type ServerModule = Pick<typeof Server, "runServeCommand" | "runLedgerVerifyCommand">;

const isFile = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/** The ESM entry of `@cortex/server` installed in the project at `cwd` (or a folder above it), if any. */
async function projectEntry(cwd: string): Promise<string | undefined> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const folder = join(dir, "node_modules", ...SERVER_PACKAGE.split("/"));
    if (await isFile(join(folder, "package.json"))) {
      const manifest: unknown = JSON.parse(await readFile(join(folder, "package.json"), "utf8"));
      const exported = isPlainObject(manifest) && isPlainObject(manifest.exports) ? manifest.exports["."] : undefined;
      const esm = isPlainObject(exported) && isPlainObject(exported.import) ? exported.import.default : undefined;
      const entry = typeof esm === "string" ? esm : isPlainObject(manifest) ? manifest.module : undefined;
      return typeof entry === "string" ? pathToFileURL(await realpath(join(folder, entry))).href : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Loads `@cortex/server` for `command`: the copy installed in the project
 * first (so `npx @cortex/cli` serves with the project's own server, beside
 * the app's own engine), else the one beside the CLI. Neither installed:
 * `CORTEX_CLI_MISSING_PACKAGE`, naming the package to install.
 */
export async function loadServer(command: string, cwd: string): Promise<ServerModule> {
  // An unreadable copy in the project: the one beside the CLI may still do.
  const entry = await projectEntry(cwd).catch(() => undefined);
  return importOptional(SERVER_PACKAGE, command, () =>
    entry === undefined ? import("@cortex/server") : (import(entry) as Promise<ServerModule>),
  );
}

/**
 * The command line a parsed context stands for, for a function that parses
 * its own: the flags of `options` in their order, then `--` and the
 * positionals (so a file named like a flag stays a file).
 */
export function argvOf(
  flags: Record<string, string | boolean | string[] | undefined>,
  options: Record<string, unknown>,
  positionals: readonly string[] = [],
): string[] {
  const argv: string[] = [];
  for (const name of Object.keys(options)) {
    const value = flags[name];
    if (value === true) argv.push(`--${name}`);
    else if (typeof value === "string") argv.push(`--${name}`, value);
    else if (Array.isArray(value)) for (const item of value) argv.push(`--${name}`, item);
  }
  return positionals.length > 0 ? [...argv, "--", ...positionals] : argv;
}
