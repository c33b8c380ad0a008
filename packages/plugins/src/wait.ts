import { onAbort, withDeadline } from "@cortex/primitives";
import { approveCall, type TierGate } from "./approval.js";
import type { CallHost } from "./call.js";
import { messageText, PluginNotReadyError, RegistryClosedError } from "./errors.js";
import type { ExecuteOptions } from "./options.js";
import { previewReady } from "./preview.js";
import type { ActionEntry, PluginEntry } from "./registration.js";

/** Why a wait before the plugin runs ended early because the caller aborted. */
const CALLER_ABORTED = Symbol("caller aborted");

/** What {@link waitUntilReady} needs from its registry. */
export interface WaitHost {
  readonly host: CallHost;
  readonly gate: TierGate;
  /** Aborted when the registry shuts down. */
  readonly closed: AbortSignal;
  /** The registry's `timeoutMs`, also the limit of a preview before an approval. */
  readonly timeoutMs: number;
  /** The plugin's single-flight setup. */
  readonly setup: (entry: PluginEntry) => Promise<void>;
}

/**
 * What a call waits for before its plugin runs: its approval (CONFIRM,
 * ADMIN, with the action's preview when it needs a decision) and its
 * plugin's lazy setup. The wait ends as soon as the caller
 * aborts (the call then resolves as aborted, its plugin never run) or the
 * registry shuts down (`CORTEX_REGISTRY_CLOSED`); either way the approver's
 * timer is cleared with it. One controller per wait, linked to the caller's
 * and the registry's signals through `onAbort` and unlinked when the wait
 * ends, so nothing is left on a long-lived signal after the call.
 */
export async function waitUntilReady(
  wait: WaitHost,
  entry: PluginEntry,
  act: ActionEntry,
  args: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<void> {
  const label = `execute "${entry.name}.${act.info.name}"`;
  const stop = new AbortController();
  const unlinkCaller = options.signal ? onAbort(options.signal, () => stop.abort(CALLER_ABORTED)) : undefined;
  const unlinkClosed = onAbort(wait.closed, () => stop.abort(new RegistryClosedError(label)));
  try {
    await withDeadline(
      async (signal) => {
        if (act.info.tier !== "AUTO") {
          const timeoutMs = wait.timeoutMs;
          const setup = () => wait.setup(entry);
          const preview = () =>
            previewReady(wait.host, entry, act.info.name, args, timeoutMs, { ...options, signal }, setup);
          await approveCall(wait.gate, wait.host.logger, act.info, args, options, signal, preview);
        }
        if (entry.state === "pending") await wait.setup(entry);
      },
      { signal: stop.signal, abortError: (reason) => reason },
    );
  } catch (error) {
    // The plugin never runs: `runAction` sees the aborted signal and resolves as aborted.
    if (error === CALLER_ABORTED) return;
    throw error;
  } finally {
    unlinkCaller?.();
    unlinkClosed();
  }
  if (wait.closed.aborted) throw new RegistryClosedError(label);
  if (entry.state === "failed") {
    const why = `plugin "${entry.name}" is not ready: setup failed: ${messageText(entry.setupError)}`;
    throw new PluginNotReadyError(entry.name, why, entry.setupError);
  }
}
