import type { PluginCredentialInfo, RegisteredAction } from "@cortex/plugins";
import { booleanFlag, type Command } from "../command.js";
import { CommandFailedError, EXIT_OK } from "../errors.js";
import { cliLogger, discoveryFailuresJson, loadHostPlugins, reportDiscoveryFailures } from "../host.js";
import { padText, text, textWidth, type Printer } from "../printer.js";

const TIER_STYLE = { AUTO: "green", CONFIRM: "yellow", ADMIN: "red" } as const;

function tierLabel(p: Printer, tier: string) {
  const style = TIER_STYLE[tier as keyof typeof TIER_STYLE] ?? "dim";
  return p.style(style, padText(tier, 7));
}

/** `cortex plugins`: the plugins discovered in the current project, their actions and tiers. */
export const pluginsCommand: Command = {
  name: "plugins",
  summary: "List the plugins installed in this project, with their actions and tiers",
  usage: "plugins [--json]",
  details:
    "Reads package.json in the current folder and loads the plugins its direct dependencies declare\n" +
    'under "cortex.plugins". Packages that fail to load are reported, and the exit status is 1.',
  options: { json: { type: "boolean", description: "print machine-readable JSON on stdout" } },
  args: { min: 0, max: 0 },
  async run(ctx) {
    const { registry, report } = await loadHostPlugins(ctx.io, { logger: cliLogger(ctx.err, ctx.verbose) });
    const actions = registry.listActions();
    const plugins = registry.names().map((name) => {
      const plugin = registry.get(name)!;
      return {
        name,
        package: report.registered.find((r) => r.name === name)?.package,
        version: plugin.version,
        description: plugin.description,
        actions: actions
          .filter((a) => a.plugin === name)
          .map(({ name: action, tier, description, parameters, idempotent, readOnly, examples }) => ({
            name: action,
            tier,
            description,
            parameters,
            ...(idempotent === undefined ? {} : { idempotent }),
            ...(readOnly === undefined ? {} : { readOnly }),
            ...(examples === undefined ? {} : { examples }),
          })),
        // `null`: the plugin declares none (it may still read keys: see its README).
        credentials: registry.credentials(name) ?? null,
      };
    });
    if (booleanFlag(ctx, "json")) {
      ctx.out.json({
        cwd: ctx.io.cwd,
        plugins,
        skipped: report.skipped,
        failed: discoveryFailuresJson(report),
      });
    } else {
      printPlugins(ctx.out, plugins, actions, ctx.io.cwd);
    }
    await registry.shutdown();
    if (reportDiscoveryFailures(ctx.err, report) > 0) {
      throw new CommandFailedError(
        "CORTEX_CLI_PLUGINS_FAILED",
        `${report.failed.length} plugin package(s) could not be loaded`,
      );
    }
    return EXIT_OK;
  },
};

interface Listed {
  name: string;
  package: string | undefined;
  version: string;
  description: string;
  credentials: PluginCredentialInfo[] | null;
}

/** One line per declared credential: its variable, whether required, and what it is. */
export function credentialLines(p: Printer, credentials: readonly PluginCredentialInfo[]): void {
  const width = Math.max(0, ...credentials.map((c) => textWidth(c.variable)));
  for (const c of credentials) {
    const marks = [c.required ? "required" : "optional", c.secret ? "secret" : ""].filter(Boolean).join(", ");
    p.line(
      text`  ${p.style("cyan", padText(c.variable, width))}  ${c.key}: ${c.description} ${p.style("dim", `(${marks})`)}`,
    );
  }
}

/** The first sentence of a description; `--json` has the whole text. */
function firstSentence(text: string): string {
  const match = /^.*?[.!?](?=\s|$)/s.exec(text);
  return (match ? match[0] : text).replace(/\s+/g, " ");
}

function printPlugins(p: Printer, plugins: Listed[], actions: RegisteredAction[], cwd: string): void {
  if (plugins.length === 0) {
    p.line(text`No plugins found in the dependencies of ${cwd}/package.json.`);
    return;
  }
  for (const plugin of plugins) {
    p.line(
      text`${p.style("bold", plugin.name)} ${p.style("dim", `${plugin.version}  (${plugin.package ?? "registered"})`)}`,
    );
    if (plugin.description) p.line(text`  ${plugin.description}`);
    const own = actions.filter((a) => a.plugin === plugin.name);
    const width = Math.max(0, ...own.map((a) => textWidth(a.name)));
    for (const action of own) {
      p.line(
        text`  ${tierLabel(p, action.tier)} ${padText(action.name, width)}  ${p.style("dim", firstSentence(action.description))}`,
      );
    }
    if (plugin.credentials === null) p.line(text`  ${p.style("dim", "(declares no credentials; see its README)")}`);
    else if (plugin.credentials.length > 0) credentialLines(p, plugin.credentials);
    p.line();
  }
  const count = actions.length;
  p.line(
    text`${p.style(
      "dim",
      `${plugins.length} plugin(s), ${count} action(s). AUTO runs freely; CONFIRM needs approval; ADMIN needs approval and --admin.`,
    )}`,
  );
}
