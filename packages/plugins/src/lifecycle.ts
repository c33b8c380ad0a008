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
 * Per plugin entry: settles once the last setup attempt that timed out has
 * itself settled and, if it succeeded after all, been torn down. A later
 * attempt (a retry) starts its `setup` only after that, so two setups of one
 * plugin never overlap and a late one cannot undo or outlive a retry.
 */
const lateSetups = new WeakMap<PluginEntry, Promise<void>>();

/**
 * Runs a plugin's `setup` once, with a timeout; never rejects. Failure marks
 * the plugin failed with its (redacted) error. A setup that finishes after
 * shutdown began leaves the plugin closed and is torn down at once. A setup
 * that times out is not forgotten: if it completes later, whatever it
 * acquired is released by calling `teardown` (within the teardown limit,
 * `limits.shutdownTimeoutMs`; failures are logged, never thrown), since the
 * plugin never became ready and shutdown would not tear it down.
 */
export async function runSetup(host: CallHost, entry: PluginEntry, broker: CredentialBroker, timeoutMs: number) {
  const { logger, redactor } = host;
  const setup = () => entry.plugin.setup(broker);
  // A retry waits (within its own limit) for a late earlier attempt to settle.
  const previous = lateSetups.get(entry);
  const attempt = previous === undefined ? invoke(setup) : previous.then(() => invoke(setup));
  let timedOut = false;
  try {
    await withTimeout(attempt, timeoutMs, () => {
      timedOut = true;
      return new OperationTimeoutError(entry.name, "setup", timeoutMs);
    });
    if (entry.state === "pending") {
      entry.state = "ready";
      logger.debug(`plugin "${entry.name}" is ready`, { plugin: entry.name });
    } else {
      await lateTeardown(host, entry, "debug", "it finished after shutdown began");
    }
  } catch (error) {
    if (timedOut) {
      // `attempt` is still running: tear down whatever it sets up, if it ever does.
      const late: Promise<void> = attempt.then(
        () => lateTeardown(host, entry, "warn", "its setup finished after it had timed out"),
        () => undefined,
      );
      lateSetups.set(entry, late);
      void late.then(() => {
        if (lateSetups.get(entry) === late) lateSetups.delete(entry);
      });
    }
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
 * Tears down a plugin whose setup completed when nobody could use it, within
 * the teardown limit. Never rejects (nobody may be awaiting it): failures,
 * even a throwing logger, are logged or dropped.
 */
async function lateTeardown(host: CallHost, entry: PluginEntry, level: "debug" | "warn", why: string): Promise<void> {
  const { logger, redactor } = host;
  const timeoutMs = host.limits.shutdownTimeoutMs;
  const log = (at: "debug" | "warn" | "error", message: string, code?: string) => {
    try {
      logger[at](message, { plugin: entry.name, ...(code === undefined ? {} : { code }) });
    } catch {
      // A throwing logger cannot be told.
    }
  };
  log(level, `tearing down plugin "${entry.name}": ${why}`);
  try {
    await withTimeout(
      invoke(() => entry.plugin.teardown()),
      timeoutMs,
      () => new OperationTimeoutError(entry.name, "teardown", timeoutMs),
    );
  } catch (error) {
    let message: string;
    try {
      message = redactor.text(messageOf(error));
    } catch {
      message = "an error that could not be read";
    }
    log(
      "error",
      `late teardown of plugin "${entry.name}" failed: ${message}`,
      isCortexError(error) ? error.code : undefined,
    );
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
