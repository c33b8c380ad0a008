import type { PluginCredentialInfo, PluginHealthReport, PluginRegistry } from "@cortex/plugins";
import { booleanFlag, type Command } from "../command.js";
import { CommandFailedError, EXIT_OK } from "../errors.js";
import { cliLogger, discoveryFailuresJson, loadHostPlugins, reportDiscoveryFailures } from "../host.js";
import { compact } from "../output.js";
import { padText, text, textWidth, type Printer } from "../printer.js";

const STATUS_STYLE = { HEALTHY: "green", DEGRADED: "yellow", UNHEALTHY: "red", UNKNOWN: "dim" } as const;

/** `cortex health`: sets every plugin up and prints its health; exit 1 when any is unhealthy. */
export const healthCommand: Command = {
  name: "health",
  summary: "Set up every installed plugin and print its health",
  usage: "health [--json]",
  details:
    "Each plugin is set up with credentials from environment variables (`cortex --help` lists them),\n" +
    "then asked for its health. The exit status is 1 when any plugin is UNHEALTHY or failed to load.",
  options: { json: { type: "boolean", description: "print machine-readable JSON on stdout" } },
  args: { min: 0, max: 0 },
  async run(ctx) {
    const { registry, report } = await loadHostPlugins(ctx.io, { logger: cliLogger(ctx.err, ctx.verbose) });
    try {
      await registry.setupAllPending();
      const health = await registry.healthAll();
      if (booleanFlag(ctx, "json")) {
        ctx.out.json({
          status: report.failed.length > 0 ? "UNHEALTHY" : health.status,
          plugins: health.plugins.map((h) => ({ ...h, credentials: credentialsOf(registry, h.plugin, ctx.io.env) })),
          failed: discoveryFailuresJson(report),
        });
      } else {
        printHealth(ctx.out, health.plugins, ctx.io.cwd, (name) => credentialsOf(registry, name, ctx.io.env));
      }
      const failedToLoad = reportDiscoveryFailures(ctx.err, report);
      const unhealthy = health.plugins.filter((h) => h.status === "UNHEALTHY").map((h) => h.plugin);
      if (unhealthy.length > 0 || failedToLoad > 0) {
        const parts = [
          ...(unhealthy.length > 0 ? [`unhealthy: ${unhealthy.join(", ")}`] : []),
          ...(failedToLoad > 0 ? [`${failedToLoad} failed to load`] : []),
        ];
        throw new CommandFailedError("CORTEX_CLI_UNHEALTHY", `not every plugin is healthy (${parts.join("; ")})`);
      }
      return EXIT_OK;
    } finally {
      await registry.shutdown();
    }
  },
};

/** A credential with whether its environment variable is set. */
type Checked = PluginCredentialInfo & { set: boolean };

/** The plugin's declared credentials, each with whether its variable is set; `null` when it declares none. */
function credentialsOf(
  registry: PluginRegistry,
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): Checked[] | null {
  const declared = registry.credentials(name);
  if (declared === undefined) return null;
  return declared.map((c) => ({ ...c, set: (env[c.variable] ?? "") !== "" }));
}

function printHealth(
  p: Printer,
  reports: PluginHealthReport[],
  cwd: string,
  credentials: (plugin: string) => Checked[] | null,
): void {
  if (reports.length === 0) {
    p.line(text`No plugins found in the dependencies of ${cwd}/package.json.`);
    return;
  }
  const width = Math.max(...reports.map((r) => textWidth(r.plugin)));
  for (const r of reports) {
    const status = p.style(STATUS_STYLE[r.status] ?? "dim", padText(r.status, 9));
    const extra = r.error ?? (r.details ? compact(r.details, 100) : "");
    p.line(text`${padText(r.plugin, width)}  ${status} ${p.style("dim", extra)}`);
    const declared = credentials(r.plugin) ?? [];
    const keyWidth = Math.max(0, ...declared.map((c) => textWidth(c.variable)));
    for (const c of declared) {
      const state = c.set ? p.style("green", "set") : p.style(c.required ? "red" : "dim", "not set");
      const need = c.required ? "required" : "optional";
      p.line(text`  ${padText(c.variable, keyWidth)}  ${state} ${p.style("dim", `(${c.key}, ${need})`)}`);
    }
  }
}
