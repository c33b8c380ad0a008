import { findPackageEntry } from "@cortex/primitives";
import { CommandFailedError } from "./errors.js";

/**
 * Imports a package the CLI lists as an optional peer dependency: the
 * commands that need it load it only when they run, so `npx @cortex/cli`
 * stays small. The copy installed in the project at `cwd` (or a folder
 * above it) comes first, so the command works with the project's own
 * version beside its own plugins; else the one beside the CLI (`load`).
 * Installed in neither, it is `CORTEX_CLI_MISSING_PACKAGE` naming the
 * package and how to get it; installed but broken, its own error.
 */
export async function importOptional<T>(
  name: string,
  command: string,
  load: () => Promise<T>,
  cwd?: string,
): Promise<T> {
  // A copy in the project whose package.json cannot be read: the one beside the CLI may still do.
  const entry = cwd === undefined ? undefined : await findPackageEntry(cwd, name).catch(() => undefined);
  try {
    return entry === undefined ? await load() : ((await import(entry)) as T);
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new CommandFailedError(
      "CORTEX_CLI_MISSING_PACKAGE",
      `\`cortex ${command}\` needs ${name}, which is not installed in the project or beside @cortex/cli: ` +
        `npm install ${name} (or npx -p @cortex/cli -p ${name} cortex ${command})`,
      { cause: error },
    );
  }
}

// Only the package itself missing counts: a missing dependency *of* the package is a broken install, reported as is.
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    typeof message === "string" &&
    (message.includes(`'${name}'`) || message.includes(`"${name}"`))
  );
}
