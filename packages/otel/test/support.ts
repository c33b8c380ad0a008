import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { createEngine, type AgentDefinition, type EngineOptions } from "@cortex/core";
import type { Extension } from "@cortex/hooks";
import {
  ActionTier,
  PluginHealthStatus,
  PluginRegistry,
  silentLogger,
  type Plugin,
  type PluginActionInfo,
  type PluginResult,
} from "@cortex/plugins";
import { FakeBroker, ScriptedModel, type ScriptStep } from "@cortex/testing";
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { OpenTelemetryExtension, type OpenTelemetryOptions } from "../src/index.js";

export const API_KEY = "sk-otel-test-0123456789";

/** A plugin with an AUTO, a CONFIRM and a throwing action. */
export class NotesPlugin implements Plugin {
  readonly name = "notes";
  readonly version = "1.0.0";
  readonly description = "Keeps notes";
  key = "";
  async setup(broker: { get(key: string): Promise<string> }): Promise<void> {
    this.key = await broker.get("notes_api_key");
  }
  async teardown(): Promise<void> {
    this.key = "";
  }
  listActions(): PluginActionInfo[] {
    const text = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };
    return [
      { name: "add", description: "Add a note", tier: ActionTier.AUTO, parameters: text },
      { name: "publish", description: "Publish a note", tier: ActionTier.CONFIRM, parameters: text },
      { name: "explode", description: "Always throws", tier: ActionTier.AUTO },
    ];
  }
  async executeAction(action: string, params: Record<string, unknown>): Promise<PluginResult> {
    if (action === "explode") throw new Error("boom");
    return { success: true, data: { [action === "add" ? "added" : "published"]: params.text } };
  }
  async health() {
    return { plugin: this.name, status: PluginHealthStatus.HEALTHY };
  }
}

/** A tool call step. */
export const call = (name: string, args: unknown, id: string): ScriptStep => ({
  toolCalls: [{ id, name, arguments: args }],
  usage: { inputTokens: 10, outputTokens: 3 },
});

/** An answer step. */
export const answer = (content: string): ScriptStep => ({ content, usage: { inputTokens: 20, outputTokens: 5 } });

/** A metric reader collected on demand. */
export class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  /** Every data point of one metric, with its attributes. */
  async points(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> {
    const { resourceMetrics } = await this.collect();
    return pointsOf(resourceMetrics, name);
  }
}

function pointsOf(metrics: ResourceMetrics, name: string) {
  const out: { attributes: Record<string, unknown>; value: unknown }[] = [];
  for (const scope of metrics.scopeMetrics)
    for (const metric of scope.metrics)
      if (metric.descriptor.name === name)
        for (const point of metric.dataPoints) out.push({ attributes: { ...point.attributes }, value: point.value });
  return out;
}

/** The SDK's in-memory exporter behind a tracer provider, and a meter provider with an on-demand reader. */
export function telemetry() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return { exporter, tracerProvider, meterProvider, reader, spans: () => [...exporter.getFinishedSpans()] };
}

/** An engine over NotesPlugin and a scripted model with the extension (and more extensions) registered. */
export function setup(
  steps: ScriptStep[],
  options: {
    otel?: OpenTelemetryOptions;
    agents?: AgentDefinition[];
    extensions?: Extension[];
    engine?: Partial<EngineOptions>;
    perRun?: boolean;
    /** Give the engine `otel.model(model)`, for chat spans to carry their messages. */
    wrapModel?: boolean;
  } = {},
) {
  const t = telemetry();
  const broker = new FakeBroker({ notes_api_key: API_KEY });
  const registry = new PluginRegistry({ broker, logger: silentLogger });
  registry.register(new NotesPlugin());
  const otel = new OpenTelemetryExtension({
    tracerProvider: t.tracerProvider,
    meterProvider: t.meterProvider,
    model: "scripted-1",
    provider: "cortex-test",
    plugins: registry,
    ...options.otel,
  });
  const model = new ScriptedModel(steps, { perRun: options.perRun ?? false });
  const engine = createEngine({
    model: options.wrapModel ? otel.model(model) : model,
    plugins: registry,
    extensions: [otel, ...(options.extensions ?? [])],
    agents: options.agents ?? [{ id: "assistant", instructions: "You keep notes.", tools: ["notes__*"] }],
    logger: silentLogger,
    ...options.engine,
  });
  return { ...t, engine, registry, otel, model };
}

/** The span with this name (exactly one). */
export function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1)
    throw new Error(`expected one span "${name}", found ${found.length}: ${names(spans).join(", ")}`);
  return found[0]!;
}

/** The span names, in the order they ended. */
export const names = (spans: readonly ReadableSpan[]): string[] => spans.map((span) => span.name);

/** The parent span id of a span (SDK 2: `parentSpanContext`). */
export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** A span the child process of `resumeInChild` ended, as it printed it. */
export interface ChildSpan {
  name: string;
  traceId: string;
  spanId: string;
  parent?: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  startMs: number;
  endMs: number;
}

/** Resolves the checkpoint (approved) in another process over the same run store: its results and the spans it ended. */
export async function resumeInChild(
  mode: "run" | "orchestration",
  dir: string,
  checkpointId: string,
): Promise<{ status: string; orchestration?: string; spans: ChildSpan[] }> {
  const fixture = join(import.meta.dirname, "fixtures", "resume.ts");
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", fixture, mode, dir, checkpointId],
    {
      cwd: import.meta.dirname,
    },
  );
  return JSON.parse(stdout) as { status: string; orchestration?: string; spans: ChildSpan[] };
}
