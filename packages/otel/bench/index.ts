/**
 * The extension's cost per step: the engine with `OpenTelemetryExtension`
 * on a real SDK tracer provider (the batch span processor, as in
 * production, and an exporter that drops every span) and a meter provider,
 * against the same engine without it, in the same process. A third row is
 * the engine with an extension whose hooks (the same ones) do nothing: what
 * the engine itself spends on serving any extension. Every run is 10 tool steps and one answer, over
 * a zero-cost model and an AUTO plugin action. Target: at most 1.5× the
 * engine without the extension. A missed target is printed, not fatal:
 * shared machines are noisy.
 *
 * Knobs: BENCH_ROUNDS (default 5), BENCH_TIME_MS per task and round (default 500),
 * BENCH_CLOCK=cpu to time with the process's CPU time (steadier on a loaded machine).
 */
import { createEngine, type Engine, type ModelClient, type ModelRequest, type ModelResponse } from "@cortex/core";
import type { Extension } from "@cortex/hooks";
import { ActionTier, PluginRegistry, silentLogger, type Plugin, type PluginResult } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { ExportResultCode } from "@opentelemetry/core";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { Bench } from "tinybench";
import { OpenTelemetryExtension } from "../src/index.js";

const CPU_CLOCK = process.env.BENCH_CLOCK === "cpu";
const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STEPS = 10;
const TARGET = 1.5;

const answers: ModelResponse[] = [
  ...Array.from({ length: STEPS }, (_, i): ModelResponse => ({
    toolCalls: [{ id: `call_${i}`, name: "counter__add", arguments: { amount: 1 } }],
    usage: { inputTokens: 10, outputTokens: 2 },
  })),
  { content: "done", usage: { inputTokens: 10, outputTokens: 2 } },
];
const model: ModelClient = {
  generate: (request: ModelRequest) => Promise.resolve(answers[(request.messages.length - 1) >> 1]!),
};

let total = 0;
const counter: Plugin = {
  name: "counter",
  version: "1.0.0",
  description: "Counts",
  setup: () => Promise.resolve(),
  teardown: () => Promise.resolve(),
  listActions: () => [{ name: "add", description: "Add", tier: ActionTier.AUTO }],
  executeAction: (_action, params): Promise<PluginResult> => {
    total += Number(params.amount);
    return Promise.resolve({ success: true, data: { total } });
  },
  health: () => Promise.resolve({ plugin: "counter", status: "HEALTHY" as const }),
};

/** An exporter that takes every span and drops it. */
const noopExporter: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: () => Promise.resolve(),
};

const registry = new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger });
registry.register(counter);
await registry.setupAllPending();

function engineWith(extensions: Extension[]): Engine {
  return createEngine({
    model,
    plugins: registry,
    agents: [{ id: "bench", maxSteps: STEPS + 1 }],
    logger: silentLogger,
    extensions,
  });
}

const plain = engineWith([]);
const traced = engineWith([
  new OpenTelemetryExtension({
    tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter)] }),
    meterProvider: new MeterProvider(),
    model: "bench",
    plugins: registry,
  }),
]);

const noop = (): void => undefined;
const empty = engineWith([
  {
    name: "empty",
    onRunStarted: noop,
    onRunCompleted: noop,
    onRunFailed: noop,
    onModelCalled: noop,
    onModelCompleted: noop,
    onModelFailed: noop,
    onToolCalled: noop,
    onToolCompleted: noop,
    onToolFailed: noop,
    onCheckpointCreated: noop,
    onCheckpointResolved: noop,
    onPersonaResolved: noop,
    onBehaviorTriggered: noop,
    onCognitivePhaseChanged: noop,
    onAgentHandoff: noop,
    onOrchestrationStarted: noop,
    onOrchestrationCompleted: noop,
    onShutdown: noop,
  },
]);

const runOf = (engine: Engine) => async () => {
  const result = await engine.run("bench", "count");
  if (result.output !== "done") throw new Error(`the run did not complete: ${JSON.stringify(result.error)}`);
};
const tasks = [
  { name: "engine, no extensions", fn: runOf(plain) },
  { name: "engine + OpenTelemetryExtension (no-op exporter)", fn: runOf(traced) },
  { name: "engine + an extension of empty hooks", fn: runOf(empty) },
];

const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmupTime: 300, ...(CPU_CLOCK ? { now: cpuNow } : {}) });
  for (const task of round % 2 === 0 ? tasks : [...tasks].reverse()) bench.add(task.name, task.fn);
  await bench.run();
  for (const task of tasks) {
    const result = bench.tasks.find((t) => t.name === task.name)!.result;
    if (result.state !== "completed") throw new Error(`benchmark ${task.name} did not complete: ${result.state}`);
    const perStep = (result.period * 1000) / STEPS;
    best.set(task.name, Math.min(best.get(task.name) ?? Infinity, perStep));
  }
}

const base = best.get(tasks[0]!.name)!;
const withOtel = best.get(tasks[1]!.name)!;
const ratio = withOtel / base;
const emptyUs = best.get(tasks[2]!.name)!;
const clock = CPU_CLOCK ? "CPU time" : "wall time";
console.log(
  `\n@cortex/otel — cost per step (10 tool steps and one answer per run; best of ${ROUNDS} rounds, ${clock})\n`,
);
console.table([
  { benchmark: tasks[0]!.name, "µs/step": base.toFixed(2), ratio: "1.00x", target: "—", result: "" },
  {
    benchmark: tasks[1]!.name,
    "µs/step": withOtel.toFixed(2),
    ratio: `${ratio.toFixed(2)}x`,
    target: `≤ ${TARGET}x`,
    result: ratio <= TARGET ? "pass" : "MISSED",
  },
  {
    benchmark: tasks[2]!.name,
    "µs/step": emptyUs.toFixed(2),
    ratio: `${(emptyUs / base).toFixed(2)}x`,
    target: "—",
    result: "",
  },
]);
