import { resolve } from "node:path";
import type { Extension } from "@cortex/hooks";
import type { ModelClient } from "@cortex/primitives";
import { stringFlag, type CommandContext, type OptionSpec } from "./command.js";
import { text } from "./printer.js";

/** `--record <file>` of `cortex run`. */
export const RECORD_OPTION: OptionSpec = {
  type: "string",
  value: "<file>",
  description:
    "record the run to <file> (model answers, tool results, decisions, events; secrets redacted) for `cortex replay`",
};

// Settings, not secrets: everything else the environment hands Cortex (API keys, plugin credentials) is redacted.
const NOT_SECRET = new Set([
  "CORTEX_MODEL",
  "CORTEX_MODEL_BASE_URL",
  "CORTEX_MODEL_MAX_RETRIES",
  "CORTEX_MODEL_TIMEOUT_MS",
]);

/** The values of the `CORTEX_*` variables that may be secrets: what the model key and the plugins' broker read. */
export function cliSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(
      ([key, value]) => key.startsWith("CORTEX_") && !NOT_SECRET.has(key) && value !== undefined && value.length >= 4,
    )
    .map(([, value]) => value!);
}

/** What the CLI keeps in a recording's `host`, to build the same agent on replay. */
export interface CliRecordingHost {
  command: "run";
  /** The time the agent's instructions were written with (ISO 8601). */
  now: string;
  maxSteps: number;
  principal?: { id: string; roles: string[] };
}

/** A run's recording, or nothing when `--record` was not given: the model and extensions to use, and the save. */
export interface CliRecording {
  model(model: ModelClient): ModelClient;
  readonly extensions: Extension[];
  save(): Promise<void>;
}

/** Starts recording when `--record <file>` was given (a no-op otherwise); `@cortex/testing` is loaded only then. */
export async function recordingFor(
  ctx: CommandContext,
  host: Omit<CliRecordingHost, "command" | "now"> & { now: Date },
): Promise<CliRecording> {
  const file = stringFlag(ctx, "record");
  if (file === undefined) return { model: (model) => model, extensions: [], save: () => Promise.resolve() };
  const { now, ...rest } = host;
  const { RunRecorder } = await import("@cortex/testing");
  const recorder = new RunRecorder({
    secrets: () => cliSecrets(ctx.io.env),
    host: { command: "run", now: now.toISOString(), ...rest } satisfies CliRecordingHost,
  });
  return {
    model: (model) => recorder.model(model),
    extensions: [recorder.extension],
    save: async () => {
      const path = resolve(ctx.io.cwd, file);
      await recorder.save(path);
      ctx.err.line(text`${ctx.err.style("dim", `Recorded the run to ${path}; \`cortex replay ${file}\` replays it.`)}`);
    },
  };
}
