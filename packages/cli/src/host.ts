import { EnvBroker, PluginRegistry, type Approver, type DiscoveryReport, type Logger } from "@cortex/plugins";
import type { CliIO } from "./io.js";
import { compact, type Printer } from "./output.js";

/**
 * A logger for the registry and engine, writing to stderr only with
 * `--verbose`: the commands report failures themselves (a setup failure is
 * in `health`'s table, a failed call in `exec`'s error line), and the same
 * failure twice is noise.
 */
export function cliLogger(err: Printer, verbose: boolean): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) =>
    err.line(err.style("dim", err.clean(`[cortex ${level}] ${message}${fields ? ` ${compact(fields, 300)}` : ""}`)));
  return {
    debug: (m, f) => verbose && write("debug", m, f),
    info: (m, f) => verbose && write("info", m, f),
    warn: (m, f) => verbose && write("warn", m, f),
    error: (m, f) => verbose && write("error", m, f),
  };
}

/** Options of {@link loadHostPlugins}. */
export interface HostOptions {
  logger: Logger;
  /** Asked for CONFIRM/ADMIN calls; none means such calls are refused. */
  approver?: Approver;
}

/** The registry of the host project's plugins and what discovery found. */
export interface HostPlugins {
  registry: PluginRegistry;
  report: DiscoveryReport;
}

/**
 * Discovers the plugins of the package.json in `io.cwd` (its direct
 * dependencies only) into a registry whose credentials come from
 * environment variables (`CORTEX_` + upper-cased key).
 */
export async function loadHostPlugins(io: CliIO, options: HostOptions): Promise<HostPlugins> {
  const registry = new PluginRegistry({
    broker: new EnvBroker({ env: io.env }),
    logger: options.logger,
    // A person at a prompt may take a while; the registry's default is 2 minutes.
    approvalTimeoutMs: 30 * 60_000,
    ...(options.approver ? { approver: options.approver } : {}),
  });
  const report = await registry.discoverAndRegister({ cwd: io.cwd });
  return { registry, report };
}

/** Prints discovery failures (one line each, with code) to stderr; returns how many there were. */
export function reportDiscoveryFailures(err: Printer, report: DiscoveryReport): number {
  for (const f of report.failed) {
    const what = f.plugin ? `plugin "${f.plugin}" of ${f.package}` : f.package;
    err.line(
      `${err.style("yellow", "warning")} ${err.style("dim", `[${err.clean(f.error.code)}]`)}: ${err.clean(`${what} could not be loaded: ${f.error.message}`)}`,
    );
  }
  return report.failed.length;
}

/** Discovery failures as plain data, for `--json` output. */
export function discoveryFailuresJson(
  report: DiscoveryReport,
): { package: string; plugin: string | undefined; code: string; message: string }[] {
  return report.failed.map((f) => ({
    package: f.package,
    plugin: f.plugin,
    code: f.error.code,
    message: f.error.message,
  }));
}
