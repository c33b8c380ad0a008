import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createEngine } from "@cortex/core";
import { EnvBroker, PluginRegistry } from "@cortex/plugins";
import type { Recording } from "@cortex/testing";
import { booleanFlag, type Command } from "../command.js";
import { EXIT_FAILURE, EXIT_OK } from "../errors.js";
import { cliLogger, loadHostPlugins, reportDiscoveryFailures } from "../host.js";
import { text } from "../printer.js";
import type { CliRecordingHost } from "../record.js";
import { runInstructions } from "./run.js";

// Loaded when the command runs, so the other commands start without the test kit.
const testKit = () => import("@cortex/testing");

/** The agent settings `cortex run --record` kept, or why the recording cannot be replayed here. */
async function cliHost(recording: Recording): Promise<CliRecordingHost> {
  const { RecordingInvalidError } = await testKit();
  const host = recording.host as Partial<CliRecordingHost> | undefined;
  if (host?.command !== "run" || typeof host.now !== "string" || typeof host.maxSteps !== "number") {
    throw new RecordingInvalidError(
      "this recording was not made by `cortex run --record`; replay it in code with replay() from @cortex/testing",
    );
  }
  return host as CliRecordingHost;
}

async function readFrom(path: string): Promise<Recording> {
  const { readRecording, RecordingInvalidError } = await testKit();
  let source: string;
  try {
    source = await readFile(path, "utf8");
  } catch (error) {
    throw new RecordingInvalidError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return readRecording(source);
}

/** `cortex replay <file>`: runs a recorded `cortex run` again on its recorded answers and reports the first divergence. */
export const replayCommand: Command = {
  name: "replay",
  summary: "Replay a run recorded with `cortex run --record` and report the first divergence",
  usage: "replay <file> [--live-plugins]",
  details:
    "Runs the same agent with the installed plugins' current actions and schemas, a model that answers as\n" +
    "recorded, the recorded tool results and approval decisions. It compares every model request (messages,\n" +
    "tools offered) and every event with the recording and prints the first difference. No model is needed.\n" +
    "Exit status 0 when the run went as recorded, 1 on a divergence.",
  options: {
    "live-plugins": { type: "boolean", description: "run the real plugins instead of returning recorded results" },
  },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const path = resolve(ctx.io.cwd, ctx.positionals[0]!);
    const recording = await readFrom(path);
    const host = await cliHost(recording);
    const { replay } = await testKit();
    const logger = cliLogger(ctx.err, ctx.verbose);
    const { registry: installed, report: discovery } = await loadHostPlugins(ctx.io, { logger });
    reportDiscoveryFailures(ctx.err, discovery);
    const report = await replay(recording, {
      livePlugins: booleanFlag(ctx, "live-plugins"),
      setup: ({ model, extension, plugin }) => {
        const plugins = new PluginRegistry({ broker: new EnvBroker({ env: ctx.io.env }), logger });
        for (const name of installed.names()) plugins.register(plugin(installed.get(name)!));
        const engine = createEngine({
          model,
          plugins,
          extensions: [extension],
          agents: [{ id: "cli", instructions: runInstructions(new Date(host.now)), maxSteps: host.maxSteps }],
          logger,
        });
        const principal = host.principal ? { principal: host.principal } : {};
        return {
          run: (agentId, input, options) => engine.run(agentId, input, { ...options, ...principal }),
          resolveCheckpoint: (id, decision) => engine.resolveCheckpoint(id, decision),
          shutdown: () => engine.shutdown(),
        };
      },
    });
    const { modelCalls, toolCalls, events } = report.counts;
    if (report.ok) {
      ctx.out.line(
        text`No divergence: ${modelCalls} model calls, ${toolCalls} tool results and ${events} events as recorded.`,
      );
      return EXIT_OK;
    }
    const first = report.divergence!;
    ctx.err.line(
      text`${ctx.err.style(["red", "bold"], "divergence")} ${ctx.err.style("dim", `[${first.kind}]`)}: ${first.message}`,
    );
    const more = report.divergences.length - 1;
    if (more > 0)
      ctx.err.line(text`${ctx.err.style("dim", `(${more} more after it; the first is the one to look at)`)}`);
    return EXIT_FAILURE;
  },
};
