import {
  withDeadline,
  type DeadlineOptions,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
} from "@cortex/primitives";
import { abortError, RunError } from "../errors.js";

function modelFailed(error: unknown): RunError {
  const why = error instanceof Error ? error.message : String(error);
  return new RunError("CORTEX_MODEL_ERROR", `The model failed: ${why}`, { cause: error });
}

/** The deadline of every model call of a run, made once per run: the run's signal and the model timeout. */
export function modelDeadline(signal: AbortSignal, timeoutMs: number): DeadlineOptions {
  return {
    timeoutMs,
    signal,
    timeoutError: (ms) => new RunError("CORTEX_MODEL_TIMEOUT", `The model did not answer within ${ms} ms`),
    abortError: () => abortError(signal),
  };
}

/**
 * Asks the model, with one deadline. The model gets the run's own signal
 * rather than a fresh one per call: when the deadline passes, `abortRun`
 * aborts the whole run with the timeout (which fails the run anyway). A
 * model that ignores its signal still cannot hold the run: the wait ends at
 * the deadline or on abort, whichever comes first.
 */
export async function callModel(
  model: ModelClient,
  request: ModelRequest,
  deadline: DeadlineOptions,
  abortRun: (reason: RunError) => void,
): Promise<ModelResponse> {
  let answer: PromiseLike<ModelResponse>;
  try {
    answer = model.generate(request);
  } catch (error) {
    throw modelFailed(error);
  }
  try {
    return await withDeadline(answer, deadline);
  } catch (error) {
    if (!(error instanceof RunError)) throw modelFailed(error);
    if (error.code === "CORTEX_MODEL_TIMEOUT") abortRun(error);
    throw error;
  }
}
