import { CommandFailedError } from "./errors.js";
import { withHint } from "./hints.js";

/**
 * Imports an optional peer package of the CLI (`@cortex/queue-bullmq`,
 * `@cortex/store-postgres`); one that is not installed is
 * `CORTEX_CLI_PACKAGE_MISSING` naming it and how to install it.
 */
export async function importOptional<T>(name: string, command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") throw error;
    throw withHint(
      new CommandFailedError("CORTEX_CLI_PACKAGE_MISSING", `cortex ${command} needs ${name}, which is not installed`, {
        cause: error,
      }),
      `install it in this project: npm install ${name}`,
    );
  }
}

/** A setting from its flag or its environment variable; `CORTEX_CLI_NOT_CONFIGURED` naming both when neither is set. */
export function setting(
  value: string | undefined,
  env: Record<string, string | undefined>,
  variable: string,
  flag: string,
  command: string,
): string {
  const found = value ?? env[variable];
  if (found !== undefined && found !== "") return found;
  throw new CommandFailedError(
    "CORTEX_CLI_NOT_CONFIGURED",
    `cortex ${command} needs --${flag} <url> or the ${variable} environment variable`,
  );
}
