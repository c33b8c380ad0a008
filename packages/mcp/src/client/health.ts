import { PluginHealthStatus, type PluginHealthReport } from "@cortex/plugins";
import type { ResolvedOptions } from "./options.js";
import type { Restarts } from "./restarts.js";
import type { McpSession } from "./session.js";
import type { McpToolStatus } from "./tool-table.js";

/** What an MCP server plugin's health check reads. */
export interface HealthInput {
  readonly name: string;
  readonly o: ResolvedOptions;
  readonly tools: readonly McpToolStatus[];
  readonly restarts: Restarts;
  readonly state: "new" | "ready" | "closed";
  readonly session: McpSession | undefined;
  /** Pings; a server that does not answer is stopped (its next call restarts it). */
  readonly answersPing: (session: McpSession) => Promise<boolean>;
  readonly scrub: (text: string) => string;
}

/** UNKNOWN before setup or after teardown; HEALTHY when the server answers a ping in time; UNHEALTHY otherwise. */
export async function healthReport(input: HealthInput): Promise<PluginHealthReport> {
  const { name: plugin, tools, restarts, session, scrub } = input;
  const details = {
    transport: input.o.stdio ? "stdio" : "http",
    tools: tools.filter((t) => t.status === "active").length,
    refusedTools: tools.filter((t) => t.status === "refused").map((t) => t.tool),
    restarts: restarts.count,
  };
  if (input.state !== "ready")
    return { plugin, status: PluginHealthStatus.UNKNOWN, details: { ...details, state: input.state } };
  if (!session?.alive) {
    const error = scrub(restarts.lastError ?? "not connected");
    return { plugin, status: PluginHealthStatus.UNHEALTHY, error, details };
  }
  const started = Date.now();
  if (await input.answersPing(session)) {
    const pid = session.pid ? { pid: session.pid } : {};
    const server = session.serverInfo;
    return {
      plugin,
      status: PluginHealthStatus.HEALTHY,
      details: { ...details, server, pingMs: Date.now() - started, ...pid },
    };
  }
  return { plugin, status: PluginHealthStatus.UNHEALTHY, error: scrub(restarts.lastError ?? "no answer"), details };
}
