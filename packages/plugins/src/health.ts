import { isPlainObject, withDeadline } from "@cortex/primitives";
import type { CallHost } from "./call.js";
import { messageText, OperationTimeoutError } from "./errors.js";
import { PluginHealthStatus, type PluginHealthReport } from "./models.js";
import type { PluginEntry } from "./registration.js";

const SEVERITY: Record<PluginHealthStatus, number> = { HEALTHY: 0, UNKNOWN: 1, DEGRADED: 2, UNHEALTHY: 3 };
const STATUSES = new Set<unknown>(Object.values(PluginHealthStatus));

/** The most severe status (UNHEALTHY > DEGRADED > UNKNOWN > HEALTHY); HEALTHY for none. */
export function worstStatus(statuses: readonly PluginHealthStatus[]): PluginHealthStatus {
  let worst: PluginHealthStatus = "HEALTHY";
  for (const s of statuses) if (SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

/**
 * A plugin's health as the registry reports it. Only ready plugins are asked
 * (within `timeoutMs`); pending and closed ones are UNKNOWN and failed ones
 * UNHEALTHY with their setup error, so a health check never triggers setup.
 * A report is handed on as its JSON form with every secret removed from every
 * string and key at any depth; one that is not JSON data, or has no known
 * status, is UNHEALTHY.
 */
export async function checkHealth(host: CallHost, entry: PluginEntry, timeoutMs: number): Promise<PluginHealthReport> {
  const plugin = entry.name;
  const { redactor, logger } = host;
  switch (entry.state) {
    case "pending":
    case "closed":
      return { plugin, status: "UNKNOWN", details: { state: entry.state } };
    case "failed":
      return { plugin, status: "UNHEALTHY", details: { state: "failed" }, error: messageText(entry.setupError) };
    case "ready":
      break;
  }
  let report: unknown;
  try {
    const answer = await withDeadline(() => entry.plugin.health(), {
      timeoutMs,
      timeoutError: (ms) => new OperationTimeoutError(plugin, "health check", ms),
    });
    report = redactor.parse(JSON.stringify(answer) ?? "null");
  } catch (error) {
    const message = redactor.text(messageText(error));
    logger.warn(`health check of plugin "${plugin}" failed: ${message}`, { plugin });
    return { plugin, status: "UNHEALTHY", error: message };
  }
  if (!isPlainObject(report) || !STATUSES.has(report.status)) {
    return { plugin, status: "UNHEALTHY", error: `plugin "${plugin}" health() returned an invalid report` };
  }
  // The registry's name wins: a report cannot speak for another plugin.
  return { ...(report as unknown as PluginHealthReport), plugin };
}
