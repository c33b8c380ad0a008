import { approvalId, isCortexError, type Approval, type PluginRegistry } from "@cortex/plugins";
import { toErrorInfo, withDeadline, type ErrorInfo } from "@cortex/primitives";
import { createCheckpoint, hasExpired, registryApproval } from "../approval/checkpoints.js";
import type { PersonaRuntime } from "../persona/persona-runtime.js";
import type { Checkpoint, CheckpointDecision, PendingToolCall, RunState } from "./run-state.js";
import type { ToolEntry } from "./tool-set.js";

/** What the gate answers about a call: refuse it (the model is told), ask for a decision, or run it. */
export type Verdict =
  | { readonly refuse: ErrorInfo }
  | { readonly ask: Checkpoint }
  /** `approval` is what the registry gets for a CONFIRM or ADMIN call; none for an AUTO one. */
  | { readonly run: Approval | undefined };

/** What the gate answers once a decision is in: refuse or run, never ask again. */
export type Ruling = Exclude<Verdict, { readonly ask: Checkpoint }>;

/** What the gate reads of the run. */
export interface GateContext {
  readonly plugins: PluginRegistry;
  readonly persona: PersonaRuntime;
  readonly state: RunState;
  readonly signal: AbortSignal;
}

const RUN_AUTO: Ruling = Object.freeze({ run: undefined });

/**
 * The first look at a call the model asked for. Refused: a tool the current
 * phase does not offer, invalid parameters, or an ADMIN call the principal
 * may not make (nobody is asked to approve those). Ask: a CONFIRM or ADMIN
 * call, or one a behavior made subject to approval. Run: every other call.
 * Rejects only when the run is aborted or the registry fails on something
 * that is not a Cortex error.
 */
export function gate(ctx: GateContext, call: PendingToolCall, tool: ToolEntry): Verdict | Promise<Verdict> {
  const { persona, state } = ctx;
  if (!persona.toolAvailable(tool.plugin, tool.action)) {
    const phase = state.mind.phase ?? "";
    const message = `${call.name} is not available in the current phase "${phase}"`;
    return { refuse: { code: "CORTEX_TOOL_NOT_AVAILABLE", message } };
  }
  // Most calls are AUTO: answered at once, without a promise for the executor to wait on.
  if (tool.tier === "AUTO" && !persona.requiresApproval(tool.plugin, tool.action)) return RUN_AUTO;
  return checkForApproval(ctx, call, tool);
}

/** A call that needs a decision: its parameters valid and, for ADMIN, the principal allowed, or refused. */
async function checkForApproval(ctx: GateContext, call: PendingToolCall, tool: ToolEntry): Promise<Verdict> {
  const { plugins, state, signal } = ctx;
  try {
    plugins.validate(tool.plugin, tool.action, call.args);
    if (tool.tier === "ADMIN") {
      await withDeadline(plugins.authorize(tool.plugin, tool.action, call.args, state.principal), { signal });
    }
  } catch (error) {
    if (signal.aborted || !isCortexError(error)) throw error;
    return { refuse: toErrorInfo(error) };
  }
  return { ask: createCheckpoint(state, call, tool) };
}

/**
 * The second look, once a decision is in: the decision recorded at the
 * checkpoint governs, whatever the plugin says now. Expired, denied (or
 * unanswered): refused. Approved: only the exact call of the checkpoint runs, with the
 * tier it had there. Parameters that no longer match, an approval naming
 * another call, or a tier that changed while the run waited (the action
 * gone, CONFIRM now AUTO or ADMIN) are refused: the model is told.
 */
export function decide(
  call: PendingToolCall,
  tool: ToolEntry | undefined,
  decision: CheckpointDecision,
  checkpoint: Checkpoint | undefined,
): Ruling {
  if (checkpoint !== undefined && hasExpired(checkpoint, Date.now())) {
    const message = `The call to ${call.name} was not decided before its checkpoint expired at ${checkpoint.expiresAt!}`;
    return { refuse: { code: "CORTEX_CHECKPOINT_EXPIRED", message } };
  }
  if (decision.approved !== true) {
    const by = decision.decidedBy ? ` by ${decision.decidedBy}` : "";
    const why = decision.reason ? `: ${decision.reason}` : "";
    return { refuse: { code: "CORTEX_APPROVAL_DENIED", message: `The call to ${call.name} was denied${by}${why}` } };
  }
  if (checkpoint?.toolName !== call.name) {
    return { refuse: { code: "CORTEX_APPROVAL_REQUIRED", message: `No checkpoint holds this ${call.name} call` } };
  }
  if (tool?.tier !== checkpoint.tier) {
    const now = tool === undefined ? "is no longer installed" : `is now ${tool.tier}`;
    const message = `${call.name} was ${checkpoint.tier} when it was approved and ${now}; the approval does not carry over`;
    return { refuse: { code: "CORTEX_TIER_CHANGED", message } };
  }
  if (checkpoint.approvalId !== approvalId(tool.plugin, tool.action, call.args)) {
    return {
      refuse: { code: "CORTEX_APPROVAL_REQUIRED", message: `The parameters of ${call.name} are not the ones approved` },
    };
  }
  if (decision.approvalId !== undefined && decision.approvalId !== checkpoint.approvalId) {
    const message = `The approval was given for another call than the ${call.name} call waiting at this checkpoint`;
    return { refuse: { code: "CORTEX_APPROVAL_REQUIRED", message } };
  }
  return tool.tier === "AUTO" ? RUN_AUTO : { run: registryApproval(decision, checkpoint.approvalId) };
}
