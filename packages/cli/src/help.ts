import { EnvBroker } from "@cortex/plugins";
import type { Command } from "./command.js";

const broker = new EnvBroker();

/** Broker keys of the sample plugins, with what each holds. */
export const KNOWN_PLUGIN_KEYS: readonly { plugin: string; key: string; description: string }[] = [
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

/** The environment section of `cortex --help`. */
export function environmentHelp(): string {
  const width = Math.max(
    ...KNOWN_PLUGIN_KEYS.map((k) => broker.variableName(k.key).length),
    ...MODEL_VARIABLES.map((v) => v.name.length),
  );
  const lines = [
    "Environment:",
    "  Plugins get credentials and settings from a broker that reads environment variables:",
    "  a key maps to CORTEX_ + the key in upper case, every character outside A-Z, 0-9 and _",
    "  becoming _ (calendar_ics_path -> CORTEX_CALENDAR_ICS_PATH, github.token -> CORTEX_GITHUB_TOKEN).",
    "  Keys of the sample plugins:",
    ...KNOWN_PLUGIN_KEYS.map((k) => `    ${broker.variableName(k.key).padEnd(width)}  ${k.description}`),
    "  The model of `cortex run` (and of `cortex demo`, when CORTEX_MODEL is set):",
    ...MODEL_VARIABLES.map((v) => `    ${v.name.padEnd(width)}  ${v.description}`),
    `    ${"NO_COLOR".padEnd(width)}  turn colours off`,
  ];
  return lines.join("\n");
}

function optionLines(command: Command): string[] {
  const entries = Object.entries(command.options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${spec.value ? ` ${spec.value}` : ""}`;
    return [flag, spec.description] as const;
  });
  entries.push(["-h, --help", "show this help"], ["    --verbose", "also print the registry's and engine's log lines"]);
  const width = Math.max(...entries.map(([flag]) => flag.length));
  return entries.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`);
}

/** `cortex <command> --help`. */
export function commandHelp(command: Command): string {
  return [
    `Usage: cortex ${command.usage}`,
    "",
    command.summary + ".",
    ...(command.details ? ["", command.details] : []),
    "",
    "Options:",
    ...optionLines(command),
    "",
  ].join("\n");
}

/** `cortex --help`. */
export function mainHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `cortex ${version}: list, check and run Cortex plugins and agents`,
    "",
    "Usage: cortex <command> [arguments] [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "  `cortex <command> --help` shows a command's arguments and options.",
    "",
    "Options:",
    "  -h, --help     show this help",
    "  -v, --version  print the version",
    "",
    environmentHelp(),
    "",
    "Exit status: 0 success; 1 the command failed or was refused (an action failed, a plugin is",
    "unhealthy, an approval was refused, a run failed); 2 bad arguments; 130 interrupted (Ctrl+C).",
    "",
  ].join("\n");
}
