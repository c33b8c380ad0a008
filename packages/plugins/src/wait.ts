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
  const finished = await whileOpen(wait, label, options.signal, async (signal) => {
    if (act.info.tier !== "AUTO") {
      const timeoutMs = wait.timeoutMs;
      const setup = () => wait.setup(entry);
      const preview = () =>
        previewReady(wait.host, entry, act.info.name, args, timeoutMs, { ...options, signal }, setup);
      await approveCall(wait.gate, wait.host.logger, act.info, args, options, signal, preview);
    }
    if (entry.state === "pending") await wait.setup(entry);
  });
  // The caller aborted: the plugin never runs, `runAction` sees the aborted signal and resolves as aborted.
  if (finished) checkReady(wait, entry, label);
}

/**
 * Sets up a plugin that is still pending before one of its actions is
 * looked up: a plugin that lists its actions at setup (an MCP server's
 * tools) has none before. Resolves false when the caller aborts first;
 * rejects when the registry closes or the setup fails.
 */
export async function setUpBeforeLookup(
  wait: WaitHost,
  entry: PluginEntry,
  label: string,
  caller: AbortSignal | undefined,
): Promise<boolean> {
  const finished = await whileOpen(wait, label, caller, () => wait.setup(entry));
  if (finished) checkReady(wait, entry, label);
  return finished;
}

/**
 * Runs `work` until it settles, the caller aborts (resolves false) or the
 * registry shuts down (rejects with `CORTEX_REGISTRY_CLOSED`). One
 * controller per wait, linked to the caller's and the registry's signals
 * through `onAbort` and unlinked when the wait ends.
 */
async function whileOpen(
  wait: WaitHost,
  label: string,
  caller: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<void>,
): Promise<boolean> {
  const stop = new AbortController();
  const unlinkCaller = caller ? onAbort(caller, () => stop.abort(CALLER_ABORTED)) : undefined;
  const unlinkClosed = onAbort(wait.closed, () => stop.abort(new RegistryClosedError(label)));
  try {
    await withDeadline(work, { signal: stop.signal, abortError: (reason) => reason });
    return true;
  } catch (error) {
    if (error === CALLER_ABORTED) return false;
    throw error;
  } finally {
    unlinkCaller?.();
    unlinkClosed();
  }
}

/** Throws when the registry closed or the plugin's setup failed while the call waited. */
function checkReady(wait: WaitHost, entry: PluginEntry, label: string): void {
  if (wait.closed.aborted) throw new RegistryClosedError(label);
  if (entry.state === "failed") {
    const why = `plugin "${entry.name}" is not ready: setup failed: ${messageText(entry.setupError)}`;
    throw new PluginNotReadyError(entry.name, why, entry.setupError);
  }
}
