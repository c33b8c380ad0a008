import { withTimeout } from "./approval.js";
import { ActionCall, type CallHost } from "./call.js";
import { isCortexError, OperationTimeoutError, TeardownError } from "./errors.js";
import type { CredentialBroker } from "./models.js";
import { messageOf } from "./redact.js";
import type { PluginEntry } from "./registration.js";

/** What `shutdown` did. */
export interface ShutdownReport {
  /** Plugins whose teardown completed. */
  tornDown: string[];
  /** Teardowns that threw or timed out. */
  errors: TeardownError[];
  /** In-flight calls aborted because they outlived `shutdownTimeoutMs`. */
  abortedCalls: number;
}

/** Calls `fn`, turning a synchronous throw into a rejection. */
export function invoke<T>(fn: () => T | PromiseLike<T>): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(messageOf(error)));
  }
}

/**
 * Runs a plugin's `setup` once, with a timeout; never rejects. Failure marks
 * the plugin failed with its (redacted) error. A setup that finishes after
 * shutdown began leaves the plugin closed and is torn down at once.
 */
export async function runSetup(host: CallHost, entry: PluginEntry, broker: CredentialBroker, timeoutMs: number) {
  const { logger, redactor } = host;
  try {
    await withTimeout(
      invoke(() => entry.plugin.setup(broker)),
      timeoutMs,
      () => new OperationTimeoutError(entry.name, "setup", timeoutMs),
    );
    if (entry.state === "pending") {
      entry.state = "ready";
      logger.debug(`plugin "${entry.name}" is ready`, { plugin: entry.name });
    } else {
      await invoke(() => entry.plugin.teardown()).catch((error: unknown) => {
        logger.error(`late teardown of plugin "${entry.name}" failed: ${redactor.text(messageOf(error))}`, {
          plugin: entry.name,
        });
      });
    }
  } catch (error) {
    if (entry.state !== "pending") return;
    entry.state = "failed";
    entry.setupError = redactor.error(error);
    logger.error(`setup of plugin "${entry.name}" failed: ${messageOf(entry.setupError)}`, {
      plugin: entry.name,
      code: isCortexError(error) ? error.code : undefined,
    });
  }
}

/**
 * The body of `PluginRegistry.shutdown` (the caller has already stopped new
 * calls): wait for in-flight calls and running setups, abort what outlives
 * the timeout, then tear down every ready plugin concurrently.
 */
export async function shutdownPlugins(
  host: CallHost,
  entries: Iterable<PluginEntry>,
  timeoutMs: number,
): Promise<ShutdownReport> {
  const all = [...entries];
  const report: ShutdownReport = { tornDown: [], errors: [], abortedCalls: 0 };
  const waits: Promise<unknown>[] = ActionCall.inflight(host).map((c) => ActionCall.done(c));
  for (const e of all) if (e.setup) waits.push(e.setup);
  const finished = await withTimeout(Promise.all(waits), timeoutMs).then(
    () => true,
    () => false,
  );
  if (!finished) {
    for (const call of ActionCall.inflight(host)) {
      ActionCall.abort(call, "CORTEX_ABORTED", "the registry shut down");
      report.abortedCalls++;
    }
  }
  const ready = all.filter((e) => e.state === "ready");
  for (const e of all) e.state = "closed";
  await Promise.all(
    ready.map(async (e) => {
      try {
        await withTimeout(
          invoke(() => e.plugin.teardown()),
          timeoutMs,
          () => new OperationTimeoutError(e.name, "teardown", timeoutMs),
        );
        report.tornDown.push(e.name);
      } catch (error) {
        const cause = host.redactor.error(error);
        const failure = new TeardownError(e.name, messageOf(cause), cause);
        report.errors.push(failure);
        host.logger.error(failure.message, { plugin: e.name, code: failure.code });
      }
    }),
  );
  return report;
}
