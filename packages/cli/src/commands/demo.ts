import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditExtension, createEngine, JsonLinesAuditRecorder, MetricsExtension, type RunResult } from "@cortex/core";
import { MemoryBroker, PluginRegistry } from "@cortex/plugins";
import { approvalMode, type ApprovalMode } from "../approval-prompt.js";
import { booleanFlag, type Command } from "../command.js";
import type { ModelClient } from "@cortex/primitives";
import { CLI_DEFAULTS } from "../defaults.js";
import { demoCalendar, demoModel, demoTask, demoTimes, DEMO_INSTRUCTIONS, NOTES_PATH } from "../demo-scenario.js";
import { driveRun } from "../drive.js";
import { EXIT_FAILURE, EXIT_OK } from "../errors.js";
import { cliLogger } from "../host.js";
import { duration, printError, wrap } from "../output.js";
import { text, type Printer } from "../printer.js";
import { DecisionTally, narrated, ProgressExtension } from "../progress.js";

/** `cortex demo`: a self-contained, offline agent run over the calendar and files plugins. */
export const demoCommand: Command = {
  name: "demo",
  summary: "Run an offline demo: an agent lists a calendar, books an event and writes a file, with approvals",
  usage: "demo [--yes] [--offline]",
  details:
    "Creates a temporary working folder with a calendar (.ics) and runs an agent against the calendar and\n" +
    "files plugins (configured in code, no environment needed). The agent lists the coming week's events\n" +
    "(AUTO), books an event and writes a file (both CONFIRM: each pauses at a checkpoint). On a terminal you\n" +
    "approve each call; with --yes they are approved automatically; with neither they are denied and the\n" +
    "run goes on. Ends with the metrics snapshot and the audit file. The model is scripted, or the real one\n" +
    "when CORTEX_MODEL is set (see `cortex --help`) and --offline is not given.",
  options: {
    yes: { type: "boolean", short: "y", description: "approve every checkpoint automatically" },
    offline: { type: "boolean", description: "use the scripted model even when CORTEX_MODEL is set" },
  },
  // Ctrl+C aborts the signal it passes on; the command then ends with what it has.
  handlesInterrupt: true,
  args: { min: 0, max: 0 },
  async run(ctx) {
    const p = ctx.out;
    const times = demoTimes(new Date());
    const dir = await mkdtemp(join(tmpdir(), "cortex-demo-"));
    const icsPath = join(dir, "calendar.ics");
    const auditPath = join(dir, "audit.jsonl");
    await writeFile(icsPath, demoCalendar(times), "utf8");

    // Loaded here, not at start-up, so `cortex --help` stays quick.
    const [{ isModelConfigured, openAIModelFromEnv }, { CalendarPlugin }, { FilesPlugin }] = await Promise.all([
      import("@cortex/model-openai"),
      import("@cortex/plugin-calendar"),
      import("@cortex/plugin-files"),
    ]);
    const realModel = !booleanFlag(ctx, "offline") && isModelConfigured(ctx.io.env);
    const model: ModelClient = realModel ? openAIModelFromEnv(ctx.io.env) : demoModel(times);
    const mode = approvalMode(ctx.io, booleanFlag(ctx, "yes"));
    const logger = cliLogger(ctx.err, ctx.verbose);
    // The demo is self-contained: settings come from an in-code broker, not the environment.
    const registry = new PluginRegistry({
      broker: new MemoryBroker({ calendar_backend: "ics", calendar_ics_path: icsPath, files_root: dir }),
      logger,
    });
    registry.register(new CalendarPlugin());
    registry.register(new FilesPlugin());
    const metrics = new MetricsExtension();
    const tally = new DecisionTally();
    const engine = createEngine({
      model: narrated(model, p),
      plugins: registry,
      extensions: [
        new ProgressExtension(p),
        tally,
        metrics,
        new AuditExtension({ recorder: new JsonLinesAuditRecorder(auditPath) }),
      ],
      agents: [
        {
          id: "demo",
          instructions: DEMO_INSTRUCTIONS,
          tools: ["calendar.*", "files.*"],
          maxSteps: realModel ? CLI_DEFAULTS.demoSteps.real : CLI_DEFAULTS.demoSteps.scripted,
        },
      ],
      logger,
    });

    p.line(text`${p.style("bold", "Cortex demo")}`);
    p.line(text`  working folder  ${dir}`);
    p.line(text`  calendar        ${icsPath} (3 events this week)`);
    p.line(text`  files plugin    rooted in the working folder`);
    const modelName = ctx.io.env.CORTEX_MODEL ?? "";
    p.line(
      text`  model           ${realModel ? `${modelName} (from CORTEX_MODEL_*)` : "scripted, offline (set CORTEX_MODEL to use a real one)"}`,
    );
    p.line(text`  approvals       ${modeText(mode)}`);
    p.line();
    p.line(text`${p.style("bold", "Task")}`);
    p.block(demoTask(times), "  ");
    p.line();

    let result: RunResult;
    try {
      result = await driveRun(engine, "demo", demoTask(times), {
        io: ctx.io,
        prompt: ctx.err,
        mode,
        registry,
        ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
      });
    } finally {
      await engine.shutdown();
    }
    p.line();
    if (result.status === "completed") {
      p.line(text`${p.style("bold", "Answer")}`);
      for (const line of wrap(result.output ?? "")) p.line(text`${line}`);
    } else {
      printError(ctx.err, result.error ?? { code: "CORTEX_CLI_RUN_FAILED", message: `the run ended ${result.status}` });
    }
    await printSummary(p, { dir, auditPath, result, metrics, tally });
    return result.status === "completed" ? EXIT_OK : EXIT_FAILURE;
  },
};

function modeText(mode: ApprovalMode): string {
  switch (mode) {
    case "yes":
      return "automatic (--yes): every CONFIRM call is approved";
    case "prompt":
      return "asked at this terminal for each CONFIRM call";
    case "refuse":
      return "no terminal and no --yes: CONFIRM calls will be denied (run `cortex demo --yes` to approve them)";
  }
}

async function printSummary(
  p: Printer,
  {
    dir,
    auditPath,
    result,
    metrics,
    tally,
  }: { dir: string; auditPath: string; result: RunResult; metrics: MetricsExtension; tally: DecisionTally },
): Promise<void> {
  const snapshot = metrics.snapshot();
  const counters = Object.entries(snapshot.counters).filter(([, n]) => n > 0);
  const { runs, steps, tools } = snapshot.durations;
  const audit = await readFile(auditPath, "utf8").catch(() => "");
  const records = audit.split("\n").filter((line) => line.trim() !== "").length;
  const notes = await readFile(join(dir, NOTES_PATH), "utf8").catch(() => undefined);

  p.line();
  p.line(text`${p.style("bold", "Summary")}`);
  p.line(text`  run             ${result.status} in ${result.steps} step(s)`);
  p.line(text`  decisions       ${tally.approved} approved, ${tally.denied} denied`);
  p.line(
    text`  file            ${notes === undefined ? `${NOTES_PATH} was not written` : `${join(dir, NOTES_PATH)} written (${Buffer.byteLength(notes)} bytes)`}`,
  );
  if (notes !== undefined)
    for (const line of notes.trimEnd().split("\n")) p.line(text`${p.style("dim", `                  │ ${line}`)}`);
  p.line(text`${p.style("bold", "Metrics")}`);
  p.line(text`  counters        ${counters.map(([hook, n]) => `${hook} ${n}`).join(", ")}`);
  p.line(
    text`  durations       run ${duration(runs.sum)}; ${steps.count} step(s), p50 ${duration(steps.p50)}; ${tools.count} tool call(s), p50 ${duration(tools.p50)}`,
  );
  p.line(text`${p.style("bold", "Audit")}`);
  p.line(text`  audit file      ${auditPath} (${records} records)`);
  p.line();
  p.line(text`${p.style("dim", `The working folder is kept for you to look at: ${dir}`)}`);
}
