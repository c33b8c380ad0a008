/**
 * The cost of `registry.execute` over calling the plugin directly, measured
 * in one process. The row that has a target is the call as the engine makes
 * it: an AUTO action of a ready plugin, the run's long-lived signal and a
 * call id. Operations are batched (BATCH per sample) so the timer's own cost
 * does not swamp sub-microsecond work; each task keeps its best mean over
 * ROUNDS rounds, so a burst of outside load skews neither side. A miss is
 * reported, never fatal.
 *
 * Knobs: BENCH_ROUNDS (default 5), BENCH_TIME_MS per task and round
 * (default 300), BENCH_CLOCK=cpu to time with process CPU time instead of
 * wall time (steadier on a shared, loaded machine).
 */
import { Ajv } from "ajv";
import { Bench } from "tinybench";
import {
  ActionTier,
  MemoryBroker,
  PluginRegistry,
  silentLogger,
  type ActionContext,
  type JsonSchema,
  type Plugin,
  type PluginResult,
} from "../src/index.js";

const BATCH = 200;
/** Calls per sample in the one-call-per-turn rows: each waits a macrotask, as a call waiting on I/O does. */
const TURNS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 300);
const CPU_CLOCK = process.env.BENCH_CLOCK === "cpu";
/** The budget `execute` may add over a direct call, as the engine calls it. */
const TARGET_NS = 1_000;

const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

// A tool schema of four properties, as a model would be offered it.
const schema: JsonSchema = {
  type: "object",
  properties: {
    title: { type: "string", description: "event title" },
    start: { type: "string", description: "ISO date" },
    attendees: { type: "integer", minimum: 0 },
    remote: { type: "boolean" },
  },
  required: ["title", "start", "attendees", "remote"],
};
const params = { title: "Standup", start: "2026-06-01", attendees: 4, remote: true };
const ok: PluginResult = { success: true, data: { id: "evt-1" } };

const plugin: Plugin = {
  name: "bench",
  version: "1.0.0",
  description: "benchmark plugin",
  setup: () => undefined,
  teardown: () => undefined,
  listActions: () => [{ name: "create", description: "bench", tier: ActionTier.AUTO, parameters: schema }],
  // Async like a real plugin, so a direct call pays for its promise as `execute` does.
  executeAction: async () => ok,
  health: () => ({ plugin: "bench", status: "HEALTHY" }),
};

const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
registry.register(plugin);
await registry.setupAllPending();
// The same plugin behind a registry that handed out a secret: results are then checked for it.
const guarded = new PluginRegistry({
  broker: new MemoryBroker({ token: "sk-bench-0123456789" }),
  logger: silentLogger,
});
guarded.register({ ...plugin, setup: async (broker) => void (await broker.get("token")) });
await guarded.setupAllPending();
const noop = (): void => undefined;

// The engine's run signal: one long-lived controller for every call of the run.
const run = new AbortController();
const engineOptions = { signal: run.signal, callId: "call_1" };
const context: ActionContext = { signal: run.signal, callId: "call_1" };
// A plain ajv function for the same schema: what validation inside `execute` is compared with.
const rawAjv = new Ajv({ allErrors: true, strict: false }).compile(schema);

let sink = 0;
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmup: true, ...(CPU_CLOCK ? { now: cpuNow } : {}) });
  bench
    .add("direct", async () => {
      for (let i = 0; i < BATCH; i++) await plugin.executeAction("create", params, context);
    })
    .add("execute, as the engine calls it", async () => {
      for (let i = 0; i < BATCH; i++) await registry.execute("bench", "create", params, engineOptions);
    })
    .add("direct, with one timer", async () => {
      for (let i = 0; i < BATCH; i++) {
        const timer = setTimeout(noop, 30_001);
        await plugin.executeAction("create", params, context);
        clearTimeout(timer);
      }
    })
    .add("execute, with a secret", async () => {
      for (let i = 0; i < BATCH; i++) await guarded.execute("bench", "create", params, engineOptions);
    })
    .add("execute, no options", async () => {
      for (let i = 0; i < BATCH; i++) await registry.execute("bench", "create", params);
    })
    .add("direct, one per turn", async () => {
      for (let i = 0; i < TURNS; i++) {
        await plugin.executeAction("create", params, context);
        await nextTurn();
      }
    })
    .add("execute, one per turn", async () => {
      for (let i = 0; i < TURNS; i++) {
        await registry.execute("bench", "create", params, engineOptions);
        await nextTurn();
      }
    })
    .add("raw ajv", () => {
      for (let i = 0; i < BATCH; i++) if (rawAjv(params)) sink++;
    })
    .add("registry.validate", () => {
      for (let i = 0; i < BATCH; i++) registry.validate("bench", "create", params);
    });
  await bench.run();
  for (const task of bench.tasks) {
    const result = task.result;
    if (!("latency" in result)) throw new Error(`benchmark ${task.name} did not complete`);
    const ns = (result.latency.mean * 1e6) / (task.name.endsWith("one per turn") ? TURNS : BATCH);
    best.set(task.name, Math.min(best.get(task.name) ?? Infinity, ns));
  }
}

const ns = (name: string): number => best.get(name) ?? NaN;

interface Row {
  name: string;
  ours: number;
  baseline: number;
  target?: string;
  pass?: boolean;
}
const rows: Row[] = [];
const direct = ns("direct");
const engine = ns("execute, as the engine calls it");
rows.push({
  name: "`execute` as the engine calls it (AUTO, ready, run signal, callId) vs `executeAction` directly",
  ours: engine,
  baseline: direct,
  target: `≤ +${TARGET_NS} ns`,
  pass: engine - direct <= TARGET_NS,
});
rows.push({
  name: "`execute` without options vs `executeAction` directly",
  ours: ns("execute, no options"),
  baseline: direct,
});
rows.push({
  name: "the deadline alone: `executeAction` plus one `setTimeout`/`clearTimeout` vs `executeAction` directly",
  ours: ns("direct, with one timer"),
  baseline: direct,
});
rows.push({
  name: "`execute` as the engine calls it, the registry holding a broker secret (results checked for it)",
  ours: ns("execute, with a secret"),
  baseline: direct,
});
rows.push({
  name: "`execute` as the engine calls it, one call per event-loop turn (includes the turn)",
  ours: ns("execute, one per turn"),
  baseline: ns("direct, one per turn"),
});
rows.push({
  name: "`registry.validate` (lookups, params copy, schema) vs the raw ajv function",
  ours: ns("registry.validate"),
  baseline: ns("raw ajv"),
});

const fmt = (value: number) => `${value.toFixed(1)} ns`;
console.log(
  `@cortex/plugins benchmarks (node ${process.version}, best of ${ROUNDS} x ${TIME_MS} ms per task, ${CPU_CLOCK ? "CPU" : "wall"} time)`,
);
console.log("| benchmark | ours | baseline | difference | ratio | target | result |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rows) {
  const result = r.pass === undefined ? "-" : r.pass ? "pass" : "MISS";
  const difference = `${r.ours >= r.baseline ? "+" : ""}${(r.ours - r.baseline).toFixed(0)} ns`;
  const ratio = `${(r.ours / r.baseline).toFixed(2)}x`;
  console.log(
    `| ${r.name} | ${fmt(r.ours)} | ${fmt(r.baseline)} | ${difference} | ${ratio} | ${r.target ?? "reference"} | ${result} |`,
  );
}
if (sink === -1) console.log(sink);
await registry.shutdown();
await guarded.shutdown();
