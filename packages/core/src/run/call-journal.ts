import type { Approval, PluginRegistry, PluginResult } from "@cortex/plugins";
import type { ErrorInfo } from "@cortex/primitives";
import { RunError } from "../errors.js";
import type { PendingToolCall, RunState } from "./run-state.js";
import type { ToolEntry } from "./tool-set.js";

/** One tool call as a journal records it: where it belongs, what it runs, and whether running it twice is harmless. */
export interface JournalCall {
  readonly runId: string;
  readonly stepIndex: number;
  /** The model's id of the call, unique within its step. */
  readonly toolCallId: string;
  /** `<plugin>__<action>`. */
  readonly toolName: string;
  readonly plugin: string;
  readonly action: string;
  readonly tier: string;
  readonly args: Record<string, unknown>;
  /** The approval the call runs with, for a CONFIRM or ADMIN call. */
  readonly approvalId?: string;
  /** The action declares that running it again has no further effect (`idempotent` on its action info). */
  readonly idempotent: boolean;
}

/**
 * What a journal says before a call runs: run it now; it already finished
 * (its recorded result is used, the call does not run again); or it was
 * started by a process that died before it finished, so it may or may not
 * have taken effect and must not run again.
 */
export type CallBegin = "run" | "interrupted" | { readonly finished: PluginResult };

/**
 * Records each tool call before it runs and after it ends, so a run that
 * continues after a crash (on another process) runs no call twice. `begin`
 * must be atomic: of two processes beginning the same call, one gets
 * `"run"`. For an idempotent call a journal may answer `"run"` again.
 */
export interface CallJournal {
  /** Called before the call runs; the call runs only on `"run"`. */
  begin(call: JournalCall): Promise<CallBegin>;
  /** Called once the call has ended (success or failure result) with what the model is told. */
  finish(call: JournalCall, result: PluginResult): Promise<void>;
}

/** The failure a model is told for a call a crash interrupted: it is not run again (a CONFIRM/ADMIN call needs a new approval). */
export function interruptedCall(toolName: string): ErrorInfo {
  return {
    code: "CORTEX_TOOL_INTERRUPTED",
    message:
      `${toolName} was interrupted by a crash while it ran: it may or may not have taken effect, and it was not run again. ` +
      "Check its effect before calling it again; a call that needs approval needs a new one.",
  };
}

/** Whether the registry lists the action as idempotent; read defensively, false unless it says `true`. */
function isIdempotent(plugins: PluginRegistry, tool: ToolEntry): boolean {
  const info = plugins.listActions().find((a) => a.plugin === tool.plugin && a.name === tool.action);
  return (info as { idempotent?: unknown } | undefined)?.idempotent === true;
}

/** What a journaled call came to: its result, and the journal's failure to record its end, when it failed to. */
export interface JournaledResult {
  readonly result: PluginResult;
  /** Set when the call ran but `finish` failed: the run must fail with it once the model has the result. */
  readonly unrecorded?: RunError;
}

/** A journal that failed: the run's failure, naming the call and what the journal could not do. */
function journalFailure(toolName: string, what: string, cause: unknown): RunError {
  return new RunError("CORTEX_CALL_JOURNAL_FAILED", `The call journal could not record ${what} of ${toolName}`, {
    cause,
  });
}

/**
 * Runs `execute` under the journal: begun first (atomically), finished
 * after with its result. Resolves to the result to tell the model, or
 * `"interrupted"`. A `begin` that fails rejects with
 * `CORTEX_CALL_JOURNAL_FAILED` (the call did not run); a `finish` that fails
 * does not hide the result of a call that ran: it comes back as
 * `unrecorded` beside it. A call that fails once the run's `signal` has
 * aborted (cut short: it may or may not have taken effect) is left begun,
 * never finished, so whoever goes on with the run (a worker that took it
 * over) tells it as interrupted rather than as the abort of a run that is
 * not theirs.
 */
export async function journaled(
  journal: CallJournal,
  plugins: PluginRegistry,
  state: RunState,
  call: PendingToolCall,
  tool: ToolEntry,
  approval: Approval | undefined,
  signal: AbortSignal,
  execute: () => Promise<PluginResult>,
): Promise<JournaledResult | "interrupted"> {
  const entry: JournalCall = {
    runId: state.runId,
    stepIndex: state.stepIndex,
    toolCallId: call.id,
    toolName: call.name,
    plugin: tool.plugin,
    action: tool.action,
    tier: tool.tier,
    args: call.args,
    ...(approval ? { approvalId: approval.id } : {}),
    idempotent: isIdempotent(plugins, tool),
  };
  let begun: CallBegin;
  try {
    begun = await journal.begin(entry);
  } catch (error) {
    throw journalFailure(call.name, "the start (it did not run)", error);
  }
  if (begun === "interrupted") return "interrupted";
  if (begun !== "run") return { result: begun.finished };
  const result = await execute();
  if (signal.aborted && result?.success !== true) return { result };
  try {
    await journal.finish(entry, result);
    return { result };
  } catch (error) {
    return { result, unrecorded: journalFailure(call.name, "the end (it ran)", error) };
  }
}
