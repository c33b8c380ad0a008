import { createEngine } from "@cortex/core";
import { approvalMode } from "../approval-prompt.js";
import { APPROVAL_OPTIONS, booleanFlag, principalFrom, stringFlag, type Command } from "../command.js";
import { driveRun } from "../drive.js";
import { CLI_DEFAULTS } from "../defaults.js";
import { CommandFailedError, EXIT_FAILURE, EXIT_OK, UsageError } from "../errors.js";
import { withHint } from "../hints.js";
import { cliLogger, loadHostPlugins, reportDiscoveryFailures } from "../host.js";
import { printError } from "../output.js";
import { RECORD_OPTION, recordingFor } from "../record.js";
import { narrated, ProgressExtension } from "../progress.js";
import { text } from "../printer.js";

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
  usage: 'run "<input>" [--yes] [--admin | --principal <id>] [--max-steps <n>] [--record <file>]',
  details:
    "The model comes from CORTEX_MODEL, CORTEX_MODEL_BASE_URL and CORTEX_MODEL_API_KEY (any OpenAI-compatible\n" +
    "server). Steps and tool calls are printed live on stderr; the answer goes to stdout. When the agent\n" +
    "calls a CONFIRM or ADMIN action the run pauses at a checkpoint: on a terminal you are asked (y/N);\n" +
    "without one the call is denied unless --yes is given, and the model is told. Exit status 1 when the run fails.",
  options: {
    ...APPROVAL_OPTIONS,
    "max-steps": {
      type: "string",
      value: "<n>",
      description: `most model turns (default ${CLI_DEFAULTS.maxSteps})`,
    },
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
    const { isModelConfigured, openAIModelFromEnv } = await import("@cortex/model-openai");
    if (!isModelConfigured(ctx.io.env)) {
      throw withHint(
        new CommandFailedError(
          "CORTEX_CLI_MODEL_NOT_CONFIGURED",
          "cortex run needs a model, and CORTEX_MODEL is not set",
        ),
        "set CORTEX_MODEL (and CORTEX_MODEL_API_KEY for OpenAI, or CORTEX_MODEL_BASE_URL for another server); `npx @cortex/cli demo` runs offline",
      );
    }
    const model = openAIModelFromEnv(ctx.io.env);
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
      model: narrated(recording.model(model), ctx.err),
      plugins: registry,
      extensions: [new ProgressExtension(ctx.err), ...recording.extensions],
      agents: [{ id: "cli", instructions: runInstructions(now), maxSteps }],
      logger,
    });
    try {
      const result = await driveRun(engine, "cli", input, {
        io: ctx.io,
        prompt: ctx.err,
        mode: approvalMode(ctx.io, booleanFlag(ctx, "yes")),
        ...(principal ? { principal } : {}),
        ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
      });
      if (result.status === "completed") {
        ctx.out.block(result.output ?? "");
        return EXIT_OK;
      }
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
