/**
 * The extension's cost per step: the engine with `OpenTelemetryExtension`
 * on a real SDK tracer provider (the batch span processor, as in
 * production, and an exporter that drops every span) and a meter provider,
 * against the same engine without it, in the same process. Every run is 10
 * tool steps and one answer, over a zero-cost model and an AUTO plugin
 * action. Target: at most 1.5× the engine without the extension, for the
 * row the target names (spans to a no-op exporter, a meter provider with no
 * reader). The other rows say where the cost is:
 * - the same extension with a metric reader and a no-op metric exporter:
 *   what a host that exports metrics pays (the SDK drops a measurement
 *   before any work when no reader is registered);
 * - an extension that starts and ends the same spans on the same SDK with
 *   no attribute and no metric: what the spans alone cost, the floor of any
 *   extension that emits a `chat` and an `execute_tool` span a step;
 * - an extension whose hooks (the same ones) do nothing: what the engine
 *   itself spends on serving any extension.
 * A missed target is printed, not fatal: shared machines are noisy.
 *
 * Knobs: BENCH_ROUNDS (default 5), BENCH_TIME_MS per task and round (default 500),
 * BENCH_CLOCK=cpu to time with the process's CPU time (steadier on a loaded machine).
 */
import { createEngine, type Engine, type ModelClient, type ModelRequest, type ModelResponse } from "@cortex/core";
import type { Extension, HookEvent } from "@cortex/hooks";
import { ActionTier, PluginRegistry, silentLogger, type Plugin, type PluginResult } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { ROOT_CONTEXT, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
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

/** A metric exporter that takes every collection and drops it. */
const noopMetricExporter: PushMetricExporter = {
  export: (_metrics, done) => done({ code: ExportResultCode.SUCCESS }),
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
  selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
};

const providers: BasicTracerProvider[] = [];
const tracerProvider = () => {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopExporter)] });
  providers.push(provider);
  return provider;
};
/** Before each task: no other row's spans wait in a batch processor (their memory would slow the task's GC). */
const flushAll = async (): Promise<void> => {
  await Promise.all(providers.map((provider) => provider.forceFlush()));
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

/** The spans the extension starts (a run's, a chat's per model call, a tool's per call), without attributes or metrics. */
class BareSpans implements Extension {
  readonly name = "bare-spans";
  readonly #tracer: Tracer = tracerProvider().getTracer("bench");
  readonly #runs = new Map<string, { span: Span; context: Context; chat?: Span; tool?: Span }>();
  onRunStarted(e: HookEvent<"runStarted">): void {
    const span = this.#tracer.startSpan("invoke_agent", undefined, ROOT_CONTEXT);
    this.#runs.set(e.runId, { span, context: trace.setSpan(ROOT_CONTEXT, span) });
  }
  onRunCompleted(e: HookEvent<"runCompleted">): void {
    this.#runs.get(e.runId)?.span.end();
    this.#runs.delete(e.runId);
  }
  onModelCalled(e: HookEvent<"modelCalled">): void {
    const run = this.#runs.get(e.runId);
    if (run) run.chat = this.#tracer.startSpan("chat", undefined, run.context);
  }
  onModelCompleted(e: HookEvent<"modelCompleted">): void {
    this.#runs.get(e.runId)?.chat?.end();
  }
  onToolCalled(e: HookEvent<"toolCalled">): void {
    const run = this.#runs.get(e.runId);
    if (run) run.tool = this.#tracer.startSpan("execute_tool", undefined, run.context);
  }
  onToolCompleted(e: HookEvent<"toolCompleted">): void {
    this.#runs.get(e.runId)?.tool?.end();
  }
}

const plain = engineWith([]);
const traced = engineWith([
  new OpenTelemetryExtension({
    tracerProvider: tracerProvider(),
    meterProvider: new MeterProvider(),
    model: "bench",
    plugins: registry,
  }),
]);
const tracedAndRead = engineWith([
  new OpenTelemetryExtension({
    tracerProvider: tracerProvider(),
    meterProvider: new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter: noopMetricExporter, exportIntervalMillis: 1000 })],
    }),
    model: "bench",
    plugins: registry,
  }),
]);
const bare = engineWith([new BareSpans()]);

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
  { name: "engine + OpenTelemetryExtension (no-op exporter)", fn: runOf(traced), target: true },
  { name: "  the same, metrics read (no-op metric exporter)", fn: runOf(tracedAndRead) },
  { name: "engine + the same spans bare (no attributes, no metrics)", fn: runOf(bare) },
  { name: "engine + an extension of empty hooks", fn: runOf(empty) },
];

const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmupTime: 300, ...(CPU_CLOCK ? { now: cpuNow } : {}) });
  for (const task of round % 2 === 0 ? tasks : [...tasks].reverse()) {
    bench.add(task.name, task.fn, { beforeAll: flushAll });
  }
  await bench.run();
  for (const task of tasks) {
    const result = bench.tasks.find((t) => t.name === task.name)!.result;
    if (result.state !== "completed") throw new Error(`benchmark ${task.name} did not complete: ${result.state}`);
    const perStep = (result.period * 1000) / STEPS;
    best.set(task.name, Math.min(best.get(task.name) ?? Infinity, perStep));
  }
}

const base = best.get(tasks[0]!.name)!;
const clock = CPU_CLOCK ? "CPU time" : "wall time";
console.log(
  `\n@cortex/otel — cost per step (10 tool steps and one answer per run; best of ${ROUNDS} rounds, ${clock})\n`,
);
console.table(
  tasks.map((task) => {
    const perStep = best.get(task.name)!;
    const ratio = perStep / base;
    return {
      benchmark: task.name,
      "µs/step": perStep.toFixed(2),
      ratio: `${ratio.toFixed(2)}x`,
      target: task.target ? `≤ ${TARGET}x` : "—",
      result: task.target ? (ratio <= TARGET ? "pass" : "MISSED") : "",
    };
  }),
);
