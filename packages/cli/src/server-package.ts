import type * as Server from "@cortex/server";
import { importOptional } from "./optional.js";

/** The optional package `cortex serve` and `cortex ledger verify` delegate to. */
export const SERVER_PACKAGE = "@cortex/server";

/** What the commands use of `@cortex/server`. */
export type ServerModule = Pick<typeof Server, "runServeCommand" | "runLedgerVerifyCommand">;

/**
 * Loads `@cortex/server` for `command`, the project's copy first (so
 * `npx @cortex/cli` serves with the project's own server, beside the app's
 * own engine); see `importOptional`.
 */
export function loadServer(command: string, cwd: string): Promise<ServerModule> {
  return importOptional(SERVER_PACKAGE, command, () => import("@cortex/server"), cwd);
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
