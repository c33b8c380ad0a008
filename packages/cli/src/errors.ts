import { CortexError, isCortexError } from "@cortex/plugins";

/** Every code `@cortex/cli` reports on its own. Each is listed in `docs/errors.md`. */
export const CLI_ERROR_CODES = [
  "CORTEX_CLI_USAGE",
  "CORTEX_CLI_INVALID_PARAMS",
  "CORTEX_CLI_MODEL_NOT_CONFIGURED",
  "CORTEX_CLI_ACTION_FAILED",
  "CORTEX_CLI_PLUGINS_FAILED",
  "CORTEX_CLI_UNHEALTHY",
  "CORTEX_CLI_RUN_FAILED",
  "CORTEX_CLI_INTERNAL",
] as const;

/** A closed union of `@cortex/cli` error codes. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/** Exit status of a command that ran and succeeded. */
export const EXIT_OK = 0;
/** Exit status of a command that ran and failed (or was refused). */
export const EXIT_FAILURE = 1;
/** Exit status of a command line that could not be understood. */
export const EXIT_USAGE = 2;
/** Exit status of a command interrupted by Ctrl+C (SIGINT): 128 + 2, as shells report it. */
export const EXIT_INTERRUPTED = 130;

// One base for every Cortex package: `CortexError` and `isCortexError` are
// those of @cortex/plugins (re-exported from this package's index).
export { CortexError, isCortexError };

/** The command line is wrong: unknown command or flag, missing or extra argument. Exit status 2. */
export class UsageError extends CortexError<CliErrorCode> {
  constructor(
    message: string,
    /** The command whose usage to show, when known. */
    readonly command?: string,
  ) {
    super("CORTEX_CLI_USAGE", message);
    this.name = "UsageError";
  }
}

/** `exec` parameters are not a JSON object, or `--params-file` cannot be read. Exit status 2. */
export class InvalidParamsError extends CortexError<CliErrorCode> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_CLI_INVALID_PARAMS", message, options);
    this.name = "InvalidParamsError";
  }
}

/** A command failed after it ran: the action failed, a plugin is unhealthy, a run failed. Exit status 1. */
export class CommandFailedError extends CortexError<CliErrorCode> {
  constructor(
    code: Exclude<CliErrorCode, "CORTEX_CLI_USAGE" | "CORTEX_CLI_INVALID_PARAMS">,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "CommandFailedError";
  }
}

/** The exit status for anything a command threw. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError || error instanceof InvalidParamsError ? EXIT_USAGE : EXIT_FAILURE;
}
