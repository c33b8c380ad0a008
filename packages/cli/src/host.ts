import { EnvBroker, PluginRegistry, type Approver, type DiscoveryReport } from "@cortex/plugins";
import { silentLogger, type LogFields, type Logger } from "@cortex/primitives";
import { CLI_DEFAULTS } from "./defaults.js";
import type { CliIO } from "./io.js";
import { compact, printWarning } from "./output.js";
import { text, type Printer } from "./printer.js";

/**
 * The logger the CLI gives the registry and the engine: silent, unless
 * `--verbose` asks for every line on stderr. The commands report failures
 * themselves (a setup failure is in `health`'s table, a failed call in
 * `exec`'s error line), and the same failure twice is noise.
 */
export function cliLogger(err: Printer, verbose: boolean): Logger {
  if (!verbose) return silentLogger;
  const at =
    (level: keyof Logger) =>
    (message: string, fields?: LogFields): void =>
      err.line(
        text`${err.style("dim", text`[cortex ${level}] ${message}${fields ? ` ${compact(fields, 300)}` : ""}`)}`,
      );
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
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
    approvalTimeoutMs: CLI_DEFAULTS.approvalTimeoutMs,
    ...(options.approver ? { approver: options.approver } : {}),
  });
  const report = await registry.discoverAndRegister({ cwd: io.cwd });
  return { registry, report };
}

/** Prints discovery failures (one line each, with code) to stderr; returns how many there were. */
export function reportDiscoveryFailures(err: Printer, report: DiscoveryReport): number {
  for (const f of report.failed) {
    const what = f.plugin ? `plugin "${f.plugin}" of ${f.package}` : f.package;
    printWarning(err, f.error.code, `${what} could not be loaded: ${f.error.message}`);
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
