import { CortexError, isCortexError, type ErrorTable } from "@cortex/primitives";

/**
 * Every code `@cortex/cli` reports on its own, with the class that carries
 * it (`"result"`: printed for a failed result or a non-Cortex error, never
 * thrown). Each is listed in `docs/errors.md`.
 */
export const CLI_ERRORS = {
  CORTEX_CLI_USAGE: "UsageError",
  CORTEX_CLI_INVALID_PARAMS: "InvalidParamsError",
  CORTEX_CLI_MODEL_NOT_CONFIGURED: "CommandFailedError",
  CORTEX_CLI_ACTION_FAILED: "result",
  CORTEX_CLI_PLUGINS_FAILED: "CommandFailedError",
  CORTEX_CLI_UNHEALTHY: "CommandFailedError",
  CORTEX_CLI_RUN_FAILED: "result",
  CORTEX_CLI_INTERNAL: "result",
  CORTEX_SCAFFOLD_INVALID_NAME: "InvalidNameError",
  CORTEX_SCAFFOLD_TARGET_NOT_EMPTY: "CommandFailedError",
  CORTEX_SCAFFOLD_WRITE_FAILED: "CommandFailedError",
  CORTEX_CHECK_INVALID_CREDENTIALS: "InvalidCredentialsError",
  CORTEX_CHECK_FAILED: "CommandFailedError",
  CORTEX_CLI_MISSING_PACKAGE: "CommandFailedError",
} as const satisfies ErrorTable;

/** A code of {@link CLI_ERRORS}. */
export type CliErrorCode = keyof typeof CLI_ERRORS;

/** The codes {@link CommandFailedError} carries: a command that ran and failed. */
export type CommandFailureCode = {
  [C in CliErrorCode]: (typeof CLI_ERRORS)[C] extends "CommandFailedError" ? C : never;
}[CliErrorCode];

/** Exit status of a command that ran and succeeded. */
export const EXIT_OK = 0;
/** Exit status of a command that ran and failed (or was refused). */
export const EXIT_FAILURE = 1;
/** Exit status of a command line that could not be understood. */
export const EXIT_USAGE = 2;
/** Exit status of a command interrupted by Ctrl+C (SIGINT): 128 + 2, as shells report it. */
export const EXIT_INTERRUPTED = 130;

// The base of every Cortex package, re-exported from this package's index for code that imported it from here.
export { CortexError, isCortexError };

/** The command line is wrong: unknown command or flag, missing or extra argument. Exit status 2. */
export class UsageError extends CortexError<"CORTEX_CLI_USAGE"> {
  constructor(
    message: string,
    /** The command whose usage to show, when known. */
    readonly command?: string,
  ) {
    super("CORTEX_CLI_USAGE", message);
  }
}

/** `exec` parameters are not a JSON object, or `--params-file` cannot be read. Exit status 2. */
export class InvalidParamsError extends CortexError<"CORTEX_CLI_INVALID_PARAMS"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_CLI_INVALID_PARAMS", message, options);
  }
}

/** `create-plugin` got a plugin or package name that cannot be used. Exit status 2. */
export class InvalidNameError extends CortexError<"CORTEX_SCAFFOLD_INVALID_NAME"> {
  constructor(message: string) {
    super("CORTEX_SCAFFOLD_INVALID_NAME", message);
  }
}

/** `check-plugin --credentials <file>` is unreadable, not JSON, or not an object of strings. Exit status 2. */
export class InvalidCredentialsError extends CortexError<"CORTEX_CHECK_INVALID_CREDENTIALS"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_CHECK_INVALID_CREDENTIALS", message, options);
  }
}

/** A command failed after it ran: a plugin is unhealthy, a check failed, a folder is not empty. Exit status 1. */
export class CommandFailedError extends CortexError<CommandFailureCode> {
  constructor(code: CommandFailureCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

// Codes that mean the command line was wrong, not that the command failed.
const USAGE_CODES: ReadonlySet<string> = new Set<string>([
  "CORTEX_CLI_USAGE",
  "CORTEX_CLI_INVALID_PARAMS",
  "CORTEX_SCAFFOLD_INVALID_NAME",
  "CORTEX_CHECK_INVALID_CREDENTIALS",
  "CORTEX_INVALID_OPTIONS",
]);

/** The exit status for anything a command threw: 2 for a bad command line or option, 1 for the rest. */
export function exitCodeOf(error: unknown): number {
  return isCortexError(error) && USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_FAILURE;
}
