import { CortexError, type ErrorTable } from "@cortex/primitives";

/**
 * Every code this package throws, with the class that carries it. Closed:
 * `docs/errors.md` lists each one, and a test fails when one is missing there.
 */
export const TESTING_ERRORS = {
  CORTEX_SCRIPT_EXHAUSTED: "ScriptExhaustedError",
  CORTEX_HARNESS_MISUSE: "HarnessUsageError",
  CORTEX_RECORDING_INVALID: "RecordingInvalidError",
} as const satisfies ErrorTable;

/** A code of {@link TESTING_ERRORS}. */
export type TestingErrorCode = keyof typeof TESTING_ERRORS;

/** Thrown by `ScriptedModel.generate` when it is asked more often than its script has steps. */
export class ScriptExhaustedError extends CortexError<"CORTEX_SCRIPT_EXHAUSTED"> {
  constructor(
    /** How many steps the script has. */
    readonly steps: number,
    /** The run whose script ran out, in per-run mode. */
    readonly runId?: string,
  ) {
    super(
      "CORTEX_SCRIPT_EXHAUSTED",
      `ScriptedModel was asked for response ${steps + 1}${runId === undefined ? "" : ` of run "${runId}"`}, ` +
        `but its script has only ${steps}; add steps or check why the engine asked the model again`,
    );
  }
}

/** The test kit was used in a way that cannot work (contradictory options, a harness read outside a test). */
export class HarnessUsageError extends CortexError<"CORTEX_HARNESS_MISUSE"> {
  constructor(message: string) {
    super("CORTEX_HARNESS_MISUSE", message);
  }
}
