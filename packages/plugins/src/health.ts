import { withTimeout } from "./approval.js";
import { OperationTimeoutError } from "./errors.js";
import type { Logger } from "./logger.js";
import { PluginHealthStatus, type PluginHealthReport } from "./models.js";
import { messageOf, type Redactor } from "./redact.js";
import type { PluginEntry } from "./registration.js";

const SEVERITY: Record<PluginHealthStatus, number> = { HEALTHY: 0, UNKNOWN: 1, DEGRADED: 2, UNHEALTHY: 3 };
const STATUSES = new Set<string>(Object.values(PluginHealthStatus));

/** The most severe status (UNHEALTHY > DEGRADED > UNKNOWN > HEALTHY); HEALTHY for none. */
export function worstStatus(statuses: readonly PluginHealthStatus[]): PluginHealthStatus {
  let worst: PluginHealthStatus = "HEALTHY";
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

/**
 * A plugin's health as the registry reports it. Only ready plugins are asked
 * (with a timeout); pending and closed ones are UNKNOWN and failed ones
 * UNHEALTHY with their setup error, so a health check never triggers setup.
 */
export async function checkHealth(
  entry: PluginEntry,
  timeoutMs: number,
  redactor: Redactor,
  logger: Logger,
): Promise<PluginHealthReport> {
  const plugin = entry.name;
  switch (entry.state) {
    case "pending":
    case "closed":
      return { plugin, status: "UNKNOWN", details: { state: entry.state } };
    case "failed":
      return { plugin, status: "UNHEALTHY", details: { state: "failed" }, error: messageOf(entry.setupError) };
    case "ready":
      break;
  }
  try {
    const report: unknown = await withTimeout(
      Promise.resolve().then(() => entry.plugin.health()),
      timeoutMs,
      () => new OperationTimeoutError(plugin, "health check", timeoutMs),
    );
    if (typeof report !== "object" || report === null || !STATUSES.has((report as PluginHealthReport).status)) {
      return { plugin, status: "UNHEALTHY", error: `plugin "${plugin}" health() returned an invalid report` };
    }
    const r = report as PluginHealthReport;
    // The registry's name wins: a report cannot speak for another plugin.
    return {
      ...r,
      plugin,
      ...(typeof r.error === "string" ? { error: redactor.text(r.error) } : {}),
      // Details are shown to people too (`cortex health`): no secret the broker handed out stays in them.
      ...(r.details === undefined ? {} : { details: redactor.value(r.details) as Record<string, unknown> }),
    };
  } catch (error) {
    const message = redactor.text(messageOf(error));
    logger.warn(`health check of plugin "${plugin}" failed: ${message}`, { plugin });
    return { plugin, status: "UNHEALTHY", error: message };
  }
}
