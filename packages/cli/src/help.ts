import { credentialVariable, discoverPlugins } from "@cortex/plugins";
import type { Command } from "./command.js";
import { CLI_DEFAULTS } from "./defaults.js";
import type { CliIO } from "./io.js";
import { joinText, padText, text, textWidth, type Printer, type SafeText } from "./printer.js";

/** A broker key a plugin reads, as the help lists it. */
export interface CredentialKey {
  plugin: string;
  key: string;
  description: string;
  /** Declared a secret (kept out of logs and results). */
  secret?: boolean;
  /** Declared required: setup fails without it. */
  required?: boolean;
  /** The environment variable it is read from: the declared `env`, else `CORTEX_<KEY>`. */
  variable?: string;
}

/**
 * Broker keys of the sample plugins, with what each holds: what the help
 * lists for those plugins while they declare no `credentials` of their own,
 * and, when no plugin is installed, as an example.
 */
export const KNOWN_PLUGIN_KEYS: readonly CredentialKey[] = [
  { plugin: "calendar", key: "calendar_backend", description: '"ics" (default) or "caldav"' },
  { plugin: "calendar", key: "calendar_ics_path", description: "the .ics file of the ics backend" },
  { plugin: "calendar", key: "calendar_caldav_url", description: "CalDAV server URL" },
  { plugin: "calendar", key: "calendar_caldav_username", description: "CalDAV user" },
  { plugin: "calendar", key: "calendar_caldav_password", description: "CalDAV password" },
  { plugin: "calendar", key: "calendar_caldav_calendar", description: "CalDAV calendar name or URL (optional)" },
  { plugin: "files", key: "files_root", description: "the folder the files plugin is confined to" },
  { plugin: "files", key: "files_max_read_bytes", description: "largest file read (optional, default 1 MiB)" },
  { plugin: "files", key: "files_max_write_bytes", description: "largest file written (optional, default 1 MiB)" },
];

/** The model's variables (read by `@cortex/model-openai`). */
export const MODEL_VARIABLES: readonly { name: string; description: string }[] = [
  { name: "CORTEX_MODEL", description: "model name, e.g. gpt-4o-mini or llama3.1 (required for `run`)" },
  { name: "CORTEX_MODEL_BASE_URL", description: "OpenAI-compatible server URL (default OpenAI's)" },
  { name: "CORTEX_MODEL_API_KEY", description: "API key (required for OpenAI's API)" },
  { name: "CORTEX_MODEL_TIMEOUT_MS", description: "per-attempt timeout (optional)" },
  { name: "CORTEX_MODEL_MAX_RETRIES", description: "retries of a failed attempt (optional)" },
];

/**
 * The credentials a plugin declares (`plugin.credentials`, a record of
 * `{ description, secret?, required?, env? }` by key; `secret` and
 * `required` default to true, as the registry reads them), read defensively: a getter
 * that throws, a value of the wrong shape or no declaration at all gives
 * undefined; a malformed entry is listed without a description.
 */
export function declaredCredentials(plugin: unknown): CredentialKey[] | undefined {
  try {
    const name = (plugin as { name?: unknown }).name;
    const declared = (plugin as { credentials?: unknown }).credentials;
    if (typeof name !== "string" || typeof declared !== "object" || declared === null || Array.isArray(declared))
      return undefined;
    return Object.entries(declared).map(([key, spec]: [string, unknown]) => {
      const entry = (typeof spec === "object" && spec !== null ? spec : {}) as Record<string, unknown>;
      return {
        plugin: name,
        key,
        description: typeof entry.description === "string" ? entry.description : "",
        ...(entry.secret !== false ? { secret: true } : {}),
        ...(entry.required !== false ? { required: true } : {}),
        variable: credentialVariable(key, typeof entry.env === "string" ? { env: entry.env } : undefined),
      };
    });
  } catch {
    return undefined;
  }
}

/** What the environment section lists: the installed plugins' keys, or the sample plugins' as an example. */
export interface CredentialListing {
  /** True when the keys are those of plugins installed in the project. */
  installed: boolean;
  keys: CredentialKey[];
  /** Installed plugins that declare no credentials and are not sample plugins. */
  undeclared: string[];
}

/**
 * The keys of the plugins installed in the project in `io.cwd`, from their
 * declared `credentials`; the sample plugins' known keys for those that
 * declare none. Without a project or an installed plugin, the sample
 * plugins' keys as an example. Never throws.
 */
export async function credentialListing(io: Pick<CliIO, "cwd">): Promise<CredentialListing> {
  let plugins: { name: string; plugin: unknown }[] = [];
  try {
    ({ plugins } = await discoverPlugins({ cwd: io.cwd, loadTimeoutMs: CLI_DEFAULTS.helpLoadTimeoutMs }));
  } catch {
    // No package.json here: the help still helps.
  }
  if (plugins.length === 0) return { installed: false, keys: [...KNOWN_PLUGIN_KEYS], undeclared: [] };
  const keys: CredentialKey[] = [];
  const undeclared: string[] = [];
  for (const { name, plugin } of plugins) {
    const declared = declaredCredentials(plugin);
    const known = KNOWN_PLUGIN_KEYS.filter((k) => k.plugin === name);
    if (declared !== undefined && declared.length > 0) keys.push(...declared);
    else if (known.length > 0) keys.push(...known);
    else undeclared.push(name);
  }
  return { installed: true, keys, undeclared };
}

const variableOf = (key: CredentialKey): string => key.variable ?? credentialVariable(key.key);

function keyLine(key: CredentialKey, width: number): SafeText {
  const marks = [key.required === true ? "required" : "", key.secret === true ? "secret" : ""].filter(Boolean);
  const note = marks.length > 0 ? ` (${marks.join(", ")})` : "";
  return text`    ${padText(variableOf(key), width)}  ${key.plugin}: ${key.description}${note}`;
}

/** The environment section of `cortex --help`. */
export function environmentHelp(listing: CredentialListing): SafeText[] {
  const width = Math.max(
    ...listing.keys.map((k) => textWidth(variableOf(k))),
    ...MODEL_VARIABLES.map((v) => v.name.length),
  );
  return [
    text`Environment:`,
    text`  Plugins get credentials and settings from a broker that reads environment variables:`,
    text`  a key maps to CORTEX_ + the key in upper case, every character outside A-Z, 0-9 and _`,
    text`  becoming _ (calendar_ics_path -> CORTEX_CALENDAR_ICS_PATH, github.token -> CORTEX_GITHUB_TOKEN).`,
    listing.installed
      ? text`  Keys of the plugins installed here:`
      : text`  Keys of the sample plugins (no plugin is installed here):`,
    ...listing.keys.map((k) => keyLine(k, width)),
    ...(listing.undeclared.length > 0
      ? [text`    (${joinText(listing.undeclared, ", ")}: no credentials declared; see their READMEs)`]
      : []),
    text`  The model of \`cortex run\` (and of \`cortex demo\`, when CORTEX_MODEL is set):`,
    ...MODEL_VARIABLES.map((v) => text`    ${padText(v.name, width)}  ${v.description}`),
    text`    ${padText("NO_COLOR", width)}  turn colours off`,
  ];
}

function optionLines(command: Command): SafeText[] {
  const entries = Object.entries(command.options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    return [flag, spec.description] as const;
  });
  entries.push(["-h, --help", "show this help"], ["    --verbose", "also print the registry's and engine's log lines"]);
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return entries.map(([flag, description]) => text`  ${padText(flag, width)}  ${description}`);
}

/** Prints `cortex <command> --help`. */
export function printCommandHelp(p: Printer, command: Command): void {
  const lines = [
    text`Usage: cortex ${command.usage}`,
    text``,
    text`${command.summary}.`,
    ...(command.details ? [text``, ...command.details.split("\n").map((line) => text`${line}`)] : []),
    text``,
    text`Options:`,
    ...optionLines(command),
    text``,
  ];
  for (const line of lines) p.line(line);
}

/** Prints `cortex --help`, with the environment section of `listing`. */
export function printMainHelp(
  p: Printer,
  commands: readonly Command[],
  version: string,
  listing: CredentialListing,
): void {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    text`cortex ${version}: list, check and run Cortex plugins and agents`,
    text``,
    text`Usage: cortex <command> [arguments] [options]`,
    text`  Without installing it: npx @cortex/cli <command> (not \`npx cortex\`, another package on npm).`,
    text``,
    text`Commands:`,
    ...commands.map((c) => text`  ${padText(c.name, width)}  ${c.summary}`),
    text``,
    text`  \`cortex <command> --help\` shows a command's arguments and options.`,
    text``,
    text`Options:`,
    text`  -h, --help     show this help`,
    text`  -v, --version  print the version`,
    text``,
    ...environmentHelp(listing),
    text``,
    text`Exit status: 0 success; 1 the command failed or was refused (an action failed, a plugin is`,
    text`unhealthy, an approval was refused, a run failed); 2 bad arguments; 130 interrupted (Ctrl+C).`,
    text``,
  ];
  for (const line of lines) p.line(line);
}
