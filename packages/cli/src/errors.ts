const BRAND = Symbol.for("cortex.error");

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

/**
 * Base of every error the CLI raises on purpose. `instanceof` also
 * recognises errors of other Cortex packages: all carry the `cortex.error`
 * brand.
 */
export class CortexError extends Error {
  declare readonly [BRAND]: true;
  /** Stable machine-readable code. */
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === CortexError) return isCortexError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** True for an error thrown by any Cortex package (branded, any module copy). */
export function isCortexError(value: unknown): value is Error & { code: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

/** The command line is wrong: unknown command or flag, missing or extra argument. Exit status 2. */
export class UsageError extends CortexError {
  constructor(
    message: string,
    /** The command whose usage to show, when known. */
    readonly command?: string,
  ) {
    super("CORTEX_CLI_USAGE", message);
  }
}

/** `exec` parameters are not a JSON object, or `--params-file` cannot be read. Exit status 2. */
export class InvalidParamsError extends CortexError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_CLI_INVALID_PARAMS", message, options);
  }
}

/** A command failed after it ran: the action failed, a plugin is unhealthy, a run failed. Exit status 1. */
export class CommandFailedError extends CortexError {
  constructor(code: Exclude<CliErrorCode, "CORTEX_CLI_USAGE" | "CORTEX_CLI_INVALID_PARAMS">, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The exit status for anything a command threw. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError || error instanceof InvalidParamsError ? EXIT_USAGE : EXIT_FAILURE;
}
