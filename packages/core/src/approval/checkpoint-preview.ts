import type { ActionPreview, PluginRegistry, Principal } from "@cortex/plugins";
import { toErrorInfo, withDeadline, type Logger } from "@cortex/primitives";
import type { Checkpoint } from "../run/run-state.js";

/** What asking for a checkpoint's preview needs: the registry, the run's signal and principal, and the time limit. */
export interface PreviewScope {
  readonly plugins: PluginRegistry;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly state: { readonly principal?: Principal | undefined };
  readonly settings: { readonly previewTimeoutMs: number };
}

/**
 * The plugin's preview of a checkpoint's call (through `registry.preview`,
 * so redacted), within `timeoutMs`. Never rejects, and never holds a pause
 * past the limit: no preview, a preview that fails, times out or is aborted
 * is `undefined` (a failure is logged at debug).
 */
export async function previewOf(checkpoint: Checkpoint, scope: PreviewScope): Promise<ActionPreview | undefined> {
  const { plugins, logger, signal } = scope;
  const { principal } = scope.state;
  // A registry of another version may lack `preview`: it offers none.
  if (typeof (plugins as Partial<PluginRegistry>).preview !== "function") return undefined;
  const { plugin, action } = checkpoint;
  try {
    const preview = await withDeadline(
      (bounded) =>
        plugins.preview(plugin, action, structuredClone(checkpoint.args), {
          signal: bounded,
          callId: `${checkpoint.id}#preview`,
          ...(principal === undefined ? {} : { principal }),
        }),
      { timeoutMs: scope.settings.previewTimeoutMs, signal },
    );
    return preview ?? undefined;
  } catch (error) {
    logger.debug("the checkpoint is kept without a preview: the plugin's preview failed", {
      checkpointId: checkpoint.id,
      plugin,
      action,
      error: toErrorInfo(error),
    });
    return undefined;
  }
}
