import type { ActionPreview } from "@cortex/plugins";
import { InvalidOptionsError } from "@cortex/primitives";
import type { Checkpoint } from "../run/run-state.js";
import { pageOf, type Page, type PageOptions } from "./pages.js";

/** A paused checkpoint waiting for a decision, as `listPending` lists it for an approval inbox. */
export interface PendingCheckpoint {
  checkpointId: string;
  runId: string;
  agentId: string;
  plugin: string;
  action: string;
  tier: string;
  /** The parameters exactly as they will run when approved. */
  params: Record<string, unknown>;
  /** The registry's approval id for this exact call; pass it back in the decision. */
  approvalId: string;
  /** When the run paused (the checkpoint's `createdAt`, ISO 8601). */
  createdAt: string;
  /** When resolving it stops being possible (ISO 8601): a decision after that is a denial. Absent: never. */
  expiresAt?: string;
  /** What the call would change, from the plugin's `preview`, when it offered one as the run paused. */
  preview?: ActionPreview;
}

/** Filters and position of `listPending`. */
export interface ListPendingOptions extends PageOptions {
  agentId?: string;
  plugin?: string;
  tier?: string;
}

/** The inbox item of a checkpoint. */
export function pendingOf(checkpoint: Checkpoint): PendingCheckpoint {
  const item: PendingCheckpoint = {
    checkpointId: checkpoint.id,
    runId: checkpoint.runId,
    agentId: checkpoint.agentId,
    plugin: checkpoint.plugin,
    action: checkpoint.action,
    tier: checkpoint.tier,
    params: checkpoint.args,
    approvalId: checkpoint.approvalId,
    createdAt: checkpoint.createdAt,
  };
  if (checkpoint.expiresAt !== undefined) item.expiresAt = checkpoint.expiresAt;
  if (checkpoint.preview !== undefined) item.preview = checkpoint.preview;
  return item;
}

/** One page of `items` that pass the filters of `options`, oldest first (by pause time, then checkpoint id). */
export function pendingPage(
  items: readonly PendingCheckpoint[],
  options: ListPendingOptions = {},
): Page<PendingCheckpoint> {
  for (const filter of ["agentId", "plugin", "tier"] as const) {
    if (options[filter] !== undefined && typeof options[filter] !== "string")
      throw new InvalidOptionsError(filter, `listPending: ${filter} must be a string`);
  }
  const { agentId, plugin, tier } = options;
  const kept = items.filter(
    (item) =>
      (agentId === undefined || item.agentId === agentId) &&
      (plugin === undefined || item.plugin === plugin) &&
      (tier === undefined || item.tier === tier),
  );
  return pageOf(kept, options, "listPending", (item) => item.checkpointId);
}
