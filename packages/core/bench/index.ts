/**
 * The engine's cost per step, as a ratio to a floor measured in the same
 * process: a bare async loop over a zero-cost scripted model (prebuilt
 * responses) and a direct async tool function, with a JSON parse of the
 * arguments. Every run is 10 tool steps and one answer (100 for the long
 * row). The engine rows use the same prebuilt responses and the same tool,
 * as an AUTO plugin action behind a `PluginRegistry`. Missed targets are
 * printed, not fatal: shared machines are noisy.
 *
 * Streaming: the same run read through `engine.stream` (a model without
 * `stream`, so each step is one `generate`) against the floor, so streaming
 * costs a non-streaming step nothing it should not; and a streamed answer of
 * 1 000 text deltas read through `engine.stream`, per delta, against
 * iterating the same parts straight from the model.
 *
 * Knobs: BENCH_ROUNDS (default 5), BENCH_TIME_MS per task and round
 * (default 500), BENCH_CLOCK=cpu to time with the process's CPU time
 * instead of wall time (steadier on a shared, loaded machine; it counts the
 * threads that write the audit file too).
 */
import { mkdtemp, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActionTier,
  PluginRegistry,
  silentLogger,
  type Plugin,
  type PluginActionInfo,
  type PluginResult,
} from "@cortex/plugins";
import type { Extension } from "@cortex/hooks";
import { FakeBroker } from "@cortex/testing";
import { Bench } from "tinybench";
import {
  AuditExtension,
  createEngine,
  JsonLinesAuditRecorder,
  MetricsExtension,
  type Engine,
  type ModelClient,
  type ModelMessage,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamPart,
} from "../src/index.js";

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 500);
const CPU_CLOCK = process.env.BENCH_CLOCK === "cpu";
const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SHORT = 10;
const LONG = 100;

/** The answers of a run of `steps` tool steps, built once: the model costs nothing but a lookup. */
function responses(steps: number): ModelResponse[] {
  return [
    ...Array.from({ length: steps }, (_, i): ModelResponse => ({
      toolCalls: [{ id: `call_${i}`, name: "counter__add", arguments: '{"amount":1,"note":"step"}' }],
    })),
    { content: "done" },
  ];
}

/** A scripted model whose step is read off the conversation: one user message, then an assistant and a tool message per step. */
function scriptedModel(steps: number): ModelClient {
  const answers = responses(steps);
  return { generate: (request: ModelRequest) => Promise.resolve(answers[(request.messages.length - 1) >> 1]!) };
}

let total = 0;
/** The tool itself: what both the floor and the plugin action run. */
const add = (args: { amount: number }): Promise<{ total: number }> => {
  total += args.amount;
  return Promise.resolve({ total });
};

class CounterPlugin implements Plugin {
  readonly name = "counter";
  readonly version = "1.0.0";
  readonly description = "Counts";
  setup(): Promise<void> {
    return Promise.resolve();
  }
  teardown(): Promise<void> {
    return Promise.resolve();
  }
  listActions(): PluginActionInfo[] {
    const parameters = {
      type: "object",
      properties: { amount: { type: "integer" }, note: { type: "string" } },
      required: ["amount"],
      additionalProperties: false,
    };
    return [{ name: "add", description: "Add to the total", tier: ActionTier.AUTO, parameters }];
  }
  async executeAction(_action: string, params: Record<string, unknown>): Promise<PluginResult> {
    return { success: true, data: await add(params as { amount: number }) };
  }
  health() {
    return Promise.resolve({ plugin: this.name, status: "HEALTHY" as const });
  }
}

/** The floor: a bare async loop over the same prebuilt answers and the same tool. */
function floor(steps: number): () => Promise<void> {
  const model = scriptedModel(steps);
  const signal = new AbortController().signal;
  return async () => {
    const messages: ModelMessage[] = [{ role: "user", content: "count" }];
    const request: ModelRequest = { messages, tools: [], signal, agentId: "floor", runId: "floor" };
    for (;;) {
      const response = await model.generate(request);
      const calls = response.toolCalls;
      if (calls === undefined) break;
      messages.push({ role: "assistant", toolCalls: calls as { id: string; name: string; arguments: unknown }[] });
      for (const call of calls) {
        const data = await add(JSON.parse(call.arguments as string) as { amount: number });
        messages.push({ role: "tool", toolCallId: call.id!, name: call.name, content: data as never });
      }
    }
  };
}

const registry = new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger });
registry.register(new CounterPlugin());
await registry.setupAllPending();

function engineWith(steps: number, extensions: Extension[] = []): Engine {
  return createEngine({
    model: scriptedModel(steps),
    plugins: registry,
    agents: [{ id: "bench", maxSteps: steps + 1 }],
    logger: silentLogger,
    extensions,
  });
}

const DELTAS = 1_000;
const parts: ModelStreamPart[] = [
  ...Array.from({ length: DELTAS }, (_, i): ModelStreamPart => ({ type: "text-delta", text: `w${i % 10} ` })),
  { type: "finish", usage: { inputTokens: 10, outputTokens: DELTAS } },
];
/** A model that streams one answer of DELTAS text deltas; generate is never asked. */
const streamingModel: ModelClient = {
  generate: () => Promise.reject(new Error("the streamed rows use stream")),
  async *stream() {
    for (const part of parts) yield part;
  },
};

/** The floor of a streamed step: the same parts iterated straight from the model, text joined. */
async function iterateParts(): Promise<void> {
  const signal = new AbortController().signal;
  let text = "";
  const request: ModelRequest = { messages: [], tools: [], signal, agentId: "floor", runId: "floor" };
  for await (const part of streamingModel.stream!(request)) if (part.type === "text-delta") text += part.text;
  if (text.length === 0) throw new Error("no text");
}

const streamed = createEngine({
  model: streamingModel,
  plugins: registry,
  agents: [{ id: "bench", tools: [] }],
  logger: silentLogger,
});

/** A streamed run read to its end, text joined as a reader would show it. */
async function readStreamed(): Promise<void> {
  let text = "";
  for await (const event of streamed.stream("bench", "talk")) if (event.type === "text-delta") text += event.text;
  if (text.length === 0) throw new Error("no text");
}

const folder = await mkdtemp(join(tmpdir(), "cortex-bench-"));
const auditFile = join(folder, "audit.jsonl");
const plain = engineWith(SHORT);
const long = engineWith(LONG);
const observed = engineWith(SHORT, [
  new MetricsExtension(),
  new AuditExtension({ recorder: new JsonLinesAuditRecorder(auditFile) }),
]);

function runOf(engine: Engine): () => Promise<void> {
  return async () => {
    const result = await engine.run("bench", "count");
    if (result.output !== "done") throw new Error(`the run did not complete: ${JSON.stringify(result.error)}`);
  };
}

/** The same run as `runOf`, read through `engine.stream`. */
function streamOf(engine: Engine): () => Promise<void> {
  return async () => {
    let last: unknown;
    for await (const event of engine.stream("bench", "count")) last = event;
    const { result } = last as { result: { output?: string } };
    if (result.output !== "done") throw new Error("the streamed run did not complete");
  };
}

/**
 * A run, then a turn of the event loop, in which its audit records are written (or, within the
 * recorder's write interval of the last write, a timer that fires during a later run's turn). A
 * scripted model answers at once, so the loop never turns during a run; without the turn the records
 * would wait in memory, unwritten and uncounted, until the round ends. With a real model, every step
 * awaits I/O and they are written as the run goes.
 */
function observedRun(): () => Promise<void> {
  const run = runOf(observed);
  return async () => {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  };
}

const tasks: { name: string; steps: number; fn: () => Promise<void> }[] = [
  { name: "floor: bare async loop", steps: SHORT, fn: floor(SHORT) },
  { name: "engine, no extensions", steps: SHORT, fn: runOf(plain) },
  { name: "engine, Metrics + Audit (JSONL file)", steps: SHORT, fn: observedRun() },
  { name: "engine, no extensions, 100 steps", steps: LONG, fn: runOf(long) },
  { name: "engine.stream, same steps (generate)", steps: SHORT, fn: streamOf(plain) },
  // The streamed rows count deltas, not steps: their µs column is per text delta.
  { name: "floor: iterate the stream's parts", steps: DELTAS, fn: iterateParts },
  { name: "engine.stream, streamed answer", steps: DELTAS, fn: readStreamed },
];

/** Best (lowest) µs per step of each task over the rounds, alternating the order the tasks run in. */
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmupTime: 100, ...(CPU_CLOCK ? { now: cpuNow } : {}) });
  const order = round % 2 === 0 ? tasks : [...tasks].reverse();
  for (const task of order) bench.add(task.name, task.fn);
  await bench.run();
  for (const task of tasks) {
    const result = bench.tasks.find((t) => t.name === task.name)!.result;
    if (result.state !== "completed") throw new Error(`benchmark ${task.name} did not complete: ${result.state}`);
    const perStep = (result.period * 1000) / task.steps;
    best.set(task.name, Math.min(best.get(task.name) ?? Infinity, perStep));
  }
  // The audit file would otherwise grow by every round's records.
  await observed.hooks.flush();
  await truncate(auditFile, 0);
}

const us = (name: string): number => best.get(name)!;
const floorUs = us(tasks[0]!.name);
const rows = [
  { row: tasks[0]!.name, against: "floor", target: 1 },
  { row: tasks[1]!.name, against: "floor", target: 22 },
  { row: tasks[2]!.name, against: "floor", target: 33 },
  { row: tasks[3]!.name, against: tasks[1]!.name, target: 1.2 },
  { row: tasks[4]!.name, against: tasks[1]!.name, target: 1.2 },
  { row: tasks[5]!.name, against: tasks[5]!.name, target: 1 },
  { row: tasks[6]!.name, against: tasks[5]!.name, target: 3 },
];
const clock = CPU_CLOCK ? "CPU time" : "wall time";
console.log(
  `\n@cortex/core — cost per step (10 tool steps and one answer per run; best of ${ROUNDS} rounds, ${clock})\n`,
);
const baselines = new Set([tasks[0]!.name, tasks[5]!.name]);
const against = (name: string): string =>
  name === "floor" ? "floor" : name === tasks[1]!.name ? "10-step run" : name === tasks[5]!.name ? "parts" : name;
console.table(
  rows.map(({ row, against: base, target }) => {
    const ratio = us(row) / (base === "floor" ? floorUs : us(base));
    const baseline = baselines.has(row);
    return {
      benchmark: row,
      "µs/step (µs/delta)": us(row).toFixed(row === tasks[5]!.name || row === tasks[6]!.name ? 3 : 2),
      ratio: baseline ? "1x" : `${ratio.toFixed(2)}x ${against(base)}`,
      target: baseline ? "—" : `≤ ${target}x`,
      result: baseline ? "" : ratio <= target ? "pass" : "MISSED",
    };
  }),
);

await Promise.all([plain.shutdown(), long.shutdown(), observed.shutdown(), streamed.shutdown()]);
await rm(folder, { recursive: true, force: true });
