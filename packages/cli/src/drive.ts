import type { Engine, RunResult } from "@cortex/core";
import type { ActionPreview, PluginRegistry, Principal } from "@cortex/plugins";
import { decide, type ApprovalMode } from "./approval-prompt.js";
import type { CliIO } from "./io.js";
import type { Printer } from "./printer.js";

/** Options of {@link driveRun}. */
export interface DriveOptions {
  io: CliIO;
  /** Where the exact call is shown before a prompt. */
  prompt: Printer;
  mode: ApprovalMode;
  principal?: Principal;
  signal?: AbortSignal;
  /** The registry the engine runs plugins with: asked for the preview of each paused call. */
  registry?: PluginRegistry;
}

/**
 * The preview of a paused call: the checkpoint's own when it carries one,
 * else the registry's; none when the plugin has no preview or it fails
 * (the person then decides on the call alone).
 */
export async function previewOf(
  checkpoint: { plugin: string; action: string; args: Record<string, unknown>; preview?: ActionPreview },
  registry: PluginRegistry | undefined,
): Promise<ActionPreview | undefined> {
  if (checkpoint.preview !== undefined) return checkpoint.preview;
  return registry?.preview(checkpoint.plugin, checkpoint.action, checkpoint.args).catch(() => undefined);
}

/**
 * Runs an agent to its end: each time the run pauses at a checkpoint, the
 * call is decided (asked, approved by `--yes`, or refused without a
 * terminal) and `engine.resolveCheckpoint` resumes the run. A denial is
 * told to the model and the run goes on.
 */
export async function driveRun(
  engine: Engine,
  agentId: string,
  input: string,
  options: DriveOptions,
): Promise<RunResult> {
  const { principal, signal } = options;
  let result = await engine.run(agentId, input, { ...(signal ? { signal } : {}), ...(principal ? { principal } : {}) });
  while (result.status === "awaiting_approval" && result.checkpoint !== undefined) {
    const cp = result.checkpoint;
    // ADMIN calls without an authorized principal never get here: the engine refuses them first.
    const decision = await decideCheckpoint(cp, options);
    result = await engine.resolveCheckpoint(cp.id, decision, signal ? { signal } : {});
  }
  return result;
}

/**
 * Shows a paused call (with its preview when asking a person) and decides
 * it as `mode` says. The decision names the call that was shown, so a run
 * store changed meanwhile cannot swap it.
 */
export async function decideCheckpoint(
  cp: NonNullable<RunResult["checkpoint"]>,
  options: Pick<DriveOptions, "io" | "prompt" | "mode" | "principal" | "registry">,
): Promise<{ approved: boolean; decidedBy?: string; reason?: string; approvalId: string }> {
  const { io, prompt, mode, principal, registry } = options;
  const preview = mode === "prompt" ? await previewOf(cp, registry) : undefined;
  const call = {
    plugin: cp.plugin,
    action: cp.action,
    tier: cp.tier,
    params: cp.args,
    ...(principal ? { principal: principal.id } : {}),
    ...(preview ? { preview } : {}),
  };
  return { ...(await decide(io, prompt, call, mode)), approvalId: cp.approvalId };
}
