import { RunError } from "../errors.js";
import type { RunState } from "./run-state.js";

/**
 * Checks a run's budget before it asks the model again: a limit already
 * reached fails the run with `CORTEX_BUDGET_EXCEEDED`. It runs between
 * steps only, so a tool call is never cut short, and the model call that
 * crosses a limit keeps its answer.
 */
export function enforceBudget(state: RunState, now: number): void {
  const { budget } = state;
  if (budget === undefined) return;
  const { maxTokens, maxModelCalls, maxDurationMs } = budget;
  const stop = (what: string) =>
    new RunError("CORTEX_BUDGET_EXCEEDED", `Run ${state.runId} ${what}; it stopped before asking the model again`);
  const tokens = state.usage.inputTokens + state.usage.outputTokens;
  if (maxTokens !== undefined && tokens >= maxTokens) {
    throw stop(`used ${tokens} tokens, its budget's maxTokens is ${maxTokens}`);
  }
  if (maxModelCalls !== undefined && state.modelCalls >= maxModelCalls) {
    throw stop(`made ${state.modelCalls} model calls, its budget's maxModelCalls is ${maxModelCalls}`);
  }
  const worked = now - state.startedAt - state.waitedMs;
  if (maxDurationMs !== undefined && worked >= maxDurationMs) {
    throw stop(`worked ${Math.round(worked)} ms, its budget's maxDurationMs is ${maxDurationMs}`);
  }
}
