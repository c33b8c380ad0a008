import { CortexError } from "@cortex/plugins";

/**
 * Every code this package throws. Closed: `docs/errors.md` lists each one,
 * and a test fails when one is missing there.
 */
export const TESTING_ERROR_CODES = ["CORTEX_SCRIPT_EXHAUSTED", "CORTEX_HARNESS_MISUSE"] as const;

/** A code from {@link TESTING_ERROR_CODES}. */
export type TestingErrorCode = (typeof TESTING_ERROR_CODES)[number];

// Both errors extend the `CortexError` of @cortex/plugins, so `isCortexError`
// and `instanceof CortexError` of every Cortex package recognise them.

/** Thrown by `ScriptedModel.generate` when it is asked more often than its script has steps. */
export class ScriptExhaustedError extends CortexError<TestingErrorCode> {
  declare readonly code: "CORTEX_SCRIPT_EXHAUSTED";

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
    this.name = "ScriptExhaustedError";
  }
}

/** The test kit was used in a way that cannot work (contradictory options, a harness read outside a test). */
export class HarnessUsageError extends CortexError<TestingErrorCode> {
  declare readonly code: "CORTEX_HARNESS_MISUSE";

  constructor(message: string) {
    super("CORTEX_HARNESS_MISUSE", message);
    this.name = "HarnessUsageError";
  }
}
