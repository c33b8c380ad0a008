import { isCortexError, withDeadline } from "@cortex/primitives";
import type { CallHost } from "./call.js";
import { messageText, OperationTimeoutError, TeardownError } from "./errors.js";
import type { CredentialBroker } from "./models.js";
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

/** What setup and teardown need from the registry besides the running calls. */
export interface LifecycleHost extends CallHost {
  /** Limit for each teardown, also a late setup's: the registry's `shutdownTimeoutMs`. */
  readonly teardownTimeoutMs: number;
}

/**
 * Per plugin entry: settles once the last setup attempt that timed out has
 * itself settled and, if it succeeded after all, been torn down. A later
 * attempt (a retry) starts its `setup` only after that, so two setups of one
 * plugin never overlap and a late one cannot undo or outlive a retry.
 */
const lateSetups = new WeakMap<PluginEntry, Promise<void>>();

/**
 * Runs a plugin's `setup` once, within `timeoutMs`; never rejects. Failure
 * marks the plugin failed with its (redacted) error. A setup that finishes
 * after shutdown began leaves the plugin closed and is torn down at once. A
 * setup that times out is not forgotten: if it completes later, whatever it
 * acquired is released by calling `teardown` (within the teardown limit;
 * failures are logged, never thrown), since the plugin never became ready
 * and shutdown would not tear it down.
 */
export async function runSetup(
  host: LifecycleHost,
  entry: PluginEntry,
  broker: CredentialBroker,
  timeoutMs: number,
): Promise<void> {
  const { logger, redactor } = host;
  // A retry waits (within its own limit) for a late earlier attempt to settle.
  const previous = lateSetups.get(entry) ?? Promise.resolve();
  const attempt = previous.then(() => entry.plugin.setup(broker));
  let timedOut = false;
  try {
    await withDeadline(attempt, {
      timeoutMs,
      timeoutError: (ms) => {
        timedOut = true;
        return new OperationTimeoutError(entry.name, "setup", ms);
      },
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
    logger.error(`setup of plugin "${entry.name}" failed: ${messageText(entry.setupError)}`, {
      plugin: entry.name,
      code: isCortexError(error) ? error.code : undefined,
    });
  }
}

/** Calls the plugin's `teardown` within the teardown limit; rejects with its error or `CORTEX_TIMEOUT`. */
function teardown(host: LifecycleHost, entry: PluginEntry): Promise<void> {
  return withDeadline(() => entry.plugin.teardown(), {
    timeoutMs: host.teardownTimeoutMs,
    timeoutError: (ms) => new OperationTimeoutError(entry.name, "teardown", ms),
  });
}

/**
 * Tears down a plugin whose setup completed when nobody could use it.
 * Never rejects (nobody may be awaiting it): failures are logged.
 */
async function lateTeardown(host: LifecycleHost, entry: PluginEntry, level: "debug" | "warn", why: string) {
  const { logger } = host;
  logger[level](`tearing down plugin "${entry.name}": ${why}`, { plugin: entry.name });
  try {
    await teardown(host, entry);
  } catch (error) {
    logger.error(`late teardown of plugin "${entry.name}" failed: ${messageText(error)}`, {
      plugin: entry.name,
      ...(isCortexError(error) ? { code: error.code } : {}),
    });
  }
}

/**
 * The body of `PluginRegistry.shutdown` (the caller has already stopped new
 * calls): wait up to `timeoutMs` for in-flight calls and running setups,
 * abort what outlives it, then tear down every ready plugin concurrently.
 */
export async function shutdownPlugins(
  host: LifecycleHost,
  entries: Iterable<PluginEntry>,
  timeoutMs: number,
): Promise<ShutdownReport> {
  const all = [...entries];
  const report: ShutdownReport = { tornDown: [], errors: [], abortedCalls: 0 };
  const waits: Promise<unknown>[] = host.running.list().map((call) => call.done);
  for (const e of all) if (e.setup) waits.push(e.setup);
  const finished = await withDeadline(Promise.all(waits), { timeoutMs }).then(
    () => true,
    () => false,
  );
  if (!finished) {
    for (const call of host.running.list()) {
      call.stop("the registry shut down");
      report.abortedCalls++;
    }
  }
  const ready = all.filter((e) => e.state === "ready");
  for (const e of all) e.state = "closed";
  await Promise.all(
    ready.map(async (e) => {
      try {
        await teardown(host, e);
        report.tornDown.push(e.name);
      } catch (error) {
        const cause = host.redactor.error(error);
        const failure = new TeardownError(e.name, messageText(cause), cause);
        report.errors.push(failure);
        host.logger.error(failure.message, { plugin: e.name, code: failure.code });
      }
    }),
  );
  return report;
}
