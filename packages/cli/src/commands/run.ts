import { createEngine } from "@cortex/core";
import { approvalMode } from "../approval-prompt.js";
import { APPROVAL_OPTIONS, booleanFlag, principalFrom, stringFlag, type Command } from "../command.js";
import { CLI_DEFAULTS } from "../defaults.js";
import { EXIT_FAILURE, EXIT_OK, UsageError } from "../errors.js";
import { cliLogger, loadHostPlugins, reportDiscoveryFailures } from "../host.js";
import { importAiSdk, modelFromEnvironment } from "../model-select.js";
import { printError } from "../output.js";
import { ProgressExtension } from "../progress.js";
import { RECORD_OPTION, recordingFor } from "../record.js";
import { text } from "../printer.js";
import { streamRun } from "../stream-run.js";

/** Instructions of the agent `cortex run` runs. */
export function runInstructions(now: Date): string {
  return [
    "You are Cortex, an assistant that acts through the tools of the plugins installed in this project.",
    "Use the tools when they help. Some calls need a person's approval; when a call is denied, do not retry it: say what was not done.",
    "Answer briefly and plainly once the task is done.",
    `The current date and time is ${now.toISOString()}.`,
  ].join("\n");
}

/** `cortex run "<input>"`: an agent over the installed plugins, with the model from the environment. */
export const runCommand: Command = {
  name: "run",
  summary: "Run an agent on an input, with the installed plugins and the model set by environment",
  usage: 'run "<input>" [--yes] [--admin | --principal <id>] [--max-steps <n>] [--json] [--record <file>]',
  details:
    "The model comes from CORTEX_MODEL, CORTEX_MODEL_BASE_URL and CORTEX_MODEL_API_KEY (any OpenAI-compatible\n" +
    "server; CORTEX_MODEL=provider:model, e.g. anthropic:claude-sonnet-4-5, goes through @cortex/model-ai-sdk).\n" +
    "The model's text is printed on stdout as it streams; steps and tool calls live on stderr. With --json,\n" +
    "stdout gets every event of the run as one line of JSON (JSON Lines), the last a finish event. When the agent\n" +
    "calls a CONFIRM or ADMIN action the run pauses at a checkpoint: on a terminal you are asked (y/N);\n" +
    "without one the call is denied unless --yes is given, and the model is told. Exit status 1 when the run fails.",
  options: {
    ...APPROVAL_OPTIONS,
    "max-steps": {
      type: "string",
      value: "<n>",
      description: `most model turns (default ${CLI_DEFAULTS.maxSteps})`,
    },
    json: { type: "boolean", description: "print the run's events on stdout, one JSON object per line" },
    record: RECORD_OPTION,
  },
  // Ctrl+C aborts the signal it passes on; the command then ends with what it has.
  handlesInterrupt: true,
  args: { min: 1, max: 1 },
  async run(ctx) {
    const input = ctx.positionals[0]!;
    if (input.trim() === "") throw new UsageError("the input is empty", "run");
    const maxSteps = parseMaxSteps(stringFlag(ctx, "max-steps"));
    // Loaded here, not at start-up, so `cortex --help` stays quick.
    const model = await modelFromEnvironment(ctx.io.env, importAiSdk, ctx.io.cwd);
    const logger = cliLogger(ctx.err, ctx.verbose);
    const { registry, report } = await loadHostPlugins(ctx.io, { logger });
    reportDiscoveryFailures(ctx.err, report);
    if (registry.names().length === 0)
      ctx.err.line(
        text`${ctx.err.style("yellow", `No plugins found in ${ctx.io.cwd}/package.json; the agent has no tools.`)}`,
      );
    const principal = principalFrom(ctx);
    const now = new Date();
    const recording = await recordingFor(ctx, { now, maxSteps, ...(principal ? { principal } : {}) });
    const engine = createEngine({
      model: recording.model(model),
      plugins: registry,
      extensions: [new ProgressExtension(ctx.err), ...recording.extensions],
      agents: [{ id: "cli", instructions: runInstructions(now), maxSteps }],
      logger,
    });
    try {
      const result = await streamRun(engine, "cli", input, {
        io: ctx.io,
        prompt: ctx.err,
        out: ctx.out,
        json: booleanFlag(ctx, "json"),
        mode: approvalMode(ctx.io, booleanFlag(ctx, "yes")),
        registry,
        ...(principal ? { principal } : {}),
        ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
      });
      // The answer's text was printed as it streamed.
      if (result.status === "completed") return EXIT_OK;
      printError(ctx.err, result.error ?? { code: "CORTEX_CLI_RUN_FAILED", message: `the run ended ${result.status}` });
      return EXIT_FAILURE;
    } finally {
      await engine.shutdown();
      await recording.save();
    }
  },
};

function parseMaxSteps(raw: string | undefined): number {
  if (raw === undefined) return CLI_DEFAULTS.maxSteps;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--max-steps must be a positive whole number, got "${raw}"`, "run");
  return n;
}
