import { CortexError } from "@cortex/plugins";

/** Codes of `cortex create-plugin` and `cortex check-plugin`; each is listed in `docs/errors.md`. */
export const SCAFFOLD_ERROR_CODES = [
  "CORTEX_SCAFFOLD_INVALID_NAME",
  "CORTEX_SCAFFOLD_TARGET_NOT_EMPTY",
  "CORTEX_SCAFFOLD_WRITE_FAILED",
  "CORTEX_CHECK_INVALID_CREDENTIALS",
  "CORTEX_CHECK_FAILED",
] as const;

/** A code from {@link SCAFFOLD_ERROR_CODES}. */
export type ScaffoldErrorCode = (typeof SCAFFOLD_ERROR_CODES)[number];

/** Codes that mean the command line was wrong (exit status 2), not that the command failed. */
const USAGE_CODES: ReadonlySet<ScaffoldErrorCode> = new Set([
  "CORTEX_SCAFFOLD_INVALID_NAME",
  "CORTEX_CHECK_INVALID_CREDENTIALS",
]);

/**
 * An error of `create-plugin` / `check-plugin`. A `CortexError` of
 * `@cortex/plugins`, so `isCortexError` of any Cortex package recognises it;
 * `hint` says what to do about it.
 */
export class ScaffoldError extends CortexError<ScaffoldErrorCode> {
  /** What to do about it, one line. */
  readonly hint: string | undefined;

  constructor(code: ScaffoldErrorCode, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.name = "ScaffoldError";
  }

  /** The exit status this error ends the command with: 2 for usage problems, else 1. */
  get exitCode(): number {
    return USAGE_CODES.has(this.code) ? 2 : 1;
  }
}

/** Output of the two commands: chunks of text (with their newlines) for stdout and stderr. */
export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Environment for credentials (`check-plugin`); default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** Prints an error the way the rest of the CLI does: `error [CODE]: message`, then `hint: …`. */
export function reportError(io: CommandIO, error: unknown): number {
  if (error instanceof ScaffoldError) {
    io.stderr(`error [${error.code}]: ${error.message}\n`);
    if (error.hint) io.stderr(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const label = typeof code === "string" && code.startsWith("CORTEX_") ? code : "CORTEX_CLI_INTERNAL";
  io.stderr(`error [${label}]: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
