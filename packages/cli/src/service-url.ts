import { CommandFailedError } from "./errors.js";

/** A server URL from its flag or its environment variable; `CORTEX_CLI_NOT_CONFIGURED` naming both when neither is set. */
export function serviceUrl(
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
