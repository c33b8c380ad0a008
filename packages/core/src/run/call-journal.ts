import type { Approval, PluginRegistry, PluginResult } from "@cortex/plugins";
import type { ErrorInfo } from "@cortex/primitives";
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

/**
 * Runs `execute` under the journal: begun first (atomically), finished
 * after with its result. Resolves to the result to tell the model, or
 * `"interrupted"`. Without a journal it just runs the call.
 */
export async function journaled(
  journal: CallJournal | undefined,
  plugins: PluginRegistry,
  state: RunState,
  call: PendingToolCall,
  tool: ToolEntry,
  approval: Approval | undefined,
  execute: () => Promise<PluginResult>,
): Promise<PluginResult | "interrupted"> {
  if (journal === undefined) return execute();
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
  const begun = await journal.begin(entry);
  if (begun === "interrupted") return "interrupted";
  if (begun !== "run") return begun.finished;
  const result = await execute();
  // A call that ran but could not be recorded must not be told to the model as failed: the run fails instead.
  await journal.finish(entry, result).catch((error: unknown) => {
    throw new Error(`${call.name} ran, but the call journal could not record its end`, { cause: error });
  });
  return result;
}
