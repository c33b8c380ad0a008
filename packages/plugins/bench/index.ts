/**
 * Hot-path benchmarks for @cortex/plugins. Each line compares our code with
 * a baseline measured in the same process. Operations are batched (BATCH
 * per sample) so the timer's own cost does not swamp sub-microsecond work.
 * Misses are reported, never fatal.
 *
 * Knobs: BENCH_ROUNDS (default 5), BENCH_TIME_MS per task and round
 * (default 300), BENCH_CLOCK=cpu to time with process CPU time instead of
 * wall time (steadier on a shared, loaded machine; includes GC threads).
 */
import { Bench } from "tinybench";
import {
  ActionTier,
  MemoryBroker,
  PluginRegistry,
  silentLogger,
  type JsonSchema,
  type Plugin,
  type PluginActionInfo,
  type PluginResult,
} from "../src/index.js";
import { buildEntry } from "../src/registration.js";
import { createAjv } from "../src/validation.js";

const BATCH = 200;
// One call per event-loop turn (a macrotask between calls), as when every
// call waits on I/O: the shared clock read pays off only for back-to-back
// calls, so this shows what a lone call costs.
const TURNS = 20;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 300);
const CPU_CLOCK = process.env.BENCH_CLOCK === "cpu";
const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

// The 4-property schema, as written (open: no additionalProperties),
// and the same schema closed, as tool schemas for models usually are.
const open: JsonSchema = {
  type: "object",
  properties: {
    title: { type: "string", description: "event title" },
    start: { type: "string", description: "ISO date" },
    attendees: { type: "integer", minimum: 0 },
    remote: { type: "boolean" },
  },
  required: ["title", "start", "attendees", "remote"],
};
const closed: JsonSchema = { ...open, additionalProperties: false };
const params = { title: "Standup", start: "2026-06-01", attendees: 4, remote: true };
const ok: PluginResult = { success: true, data: 1 };

const actions: PluginActionInfo[] = [
  { name: "open", description: "bench", tier: ActionTier.AUTO, parameters: open },
  { name: "closed", description: "bench", tier: ActionTier.AUTO, parameters: closed },
];
const plugin: Plugin = {
  name: "bench",
  version: "1.0.0",
  description: "benchmark plugin",
  setup: () => undefined,
  teardown: () => undefined,
  listActions: () => actions,
  // Async like a real plugin, so execute pays for its deadline as it would in use.
  executeAction: async () => ok,
  health: () => ({ plugin: "bench", status: "HEALTHY" }),
};

const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
registry.register(plugin);
await registry.setupAllPending();

// The params check execute applies, built by the code `register` uses, and
// the very ajv function it wraps: "validation inside execute" vs "the same
// compiled ajv function called directly".
const entry = buildEntry(plugin, new Set(), createAjv(), silentLogger);
const action = (name: string) => {
  const found = entry.actions.get(name)!;
  if (found.validate === undefined) throw new Error(`action ${name} has no schema`);
  return { check: found.check, raw: found.validate, closed: found.closed };
};
const openAction = action("open");
const closedAction = action("closed");
if (openAction.closed || !closedAction.closed) throw new Error("schema analysis is not what this bench assumes");

let sink = 0;
// Runs a few rounds and keeps each task's best (least disturbed) mean, so a
// burst of outside load skews neither side.
const best = new Map<string, number>();
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmup: true, ...(CPU_CLOCK ? { now: cpuNow } : {}) });
  bench
    .add("direct executeAction", async () => {
      for (let i = 0; i < BATCH; i++) await plugin.executeAction("open", params);
    })
    .add("execute open", async () => {
      for (let i = 0; i < BATCH; i++) await registry.execute("bench", "open", params);
    })
    .add("execute closed", async () => {
      for (let i = 0; i < BATCH; i++) await registry.execute("bench", "closed", params);
    })
    .add("direct executeAction, one per turn", async () => {
      for (let i = 0; i < TURNS; i++) {
        await plugin.executeAction("closed", params);
        await nextTurn();
      }
    })
    .add("execute closed, one per turn", async () => {
      for (let i = 0; i < TURNS; i++) {
        await registry.execute("bench", "closed", params);
        await nextTurn();
      }
    })
    .add("raw ajv open", () => {
      for (let i = 0; i < BATCH; i++) if (openAction.raw(params)) sink++;
    })
    .add("check open", () => {
      for (let i = 0; i < BATCH; i++) if (openAction.check(params) === undefined) sink++;
    })
    .add("raw ajv closed", () => {
      for (let i = 0; i < BATCH; i++) if (closedAction.raw(params)) sink++;
    })
    .add("check closed", () => {
      for (let i = 0; i < BATCH; i++) if (closedAction.check(params) === undefined) sink++;
    })
    .add("registry.validate closed", () => {
      for (let i = 0; i < BATCH; i++) registry.validate("bench", "closed", params);
    });
  await bench.run();
  for (const task of bench.tasks) {
    const result = task.result;
    if (!("latency" in result)) throw new Error(`benchmark ${task.name} did not complete`);
    const ns = (result.latency.mean * 1e6) / (task.name.endsWith("one per turn") ? TURNS : BATCH);
    best.set(task.name, Math.min(best.get(task.name) ?? Infinity, ns));
  }
}

const nsPerOp = (name: string): number => best.get(name) ?? NaN;

interface Row {
  name: string;
  ours: number;
  baseline: number;
  target: string;
  pass: boolean | undefined;
}
const rows: Row[] = [];
for (const kind of ["open", "closed"]) {
  const ours = nsPerOp(`execute ${kind}`);
  const baseline = nsPerOp("direct executeAction");
  const allowed = Math.max(baseline * 5, baseline + 150);
  rows.push({
    name: `execute (${kind} schema) vs direct executeAction`,
    ours,
    baseline,
    target: "≤ 5x or +150 ns",
    pass: ours <= allowed,
  });
}
for (const kind of ["open", "closed"]) {
  const ours = nsPerOp(`check ${kind}`);
  const baseline = nsPerOp(`raw ajv ${kind}`);
  rows.push({
    name: `validation in execute (${kind} schema) vs its raw ajv function`,
    ours,
    baseline,
    target: "≤ 1.5x",
    pass: ours <= baseline * 1.5,
  });
}
rows.push({
  name: "execute (closed) vs direct executeAction, one call per event-loop turn (includes the turn)",
  ours: nsPerOp("execute closed, one per turn"),
  baseline: nsPerOp("direct executeAction, one per turn"),
  target: "reference",
  pass: undefined,
});
rows.push({
  name: "registry.validate (closed; adds lookups) vs raw ajv",
  ours: nsPerOp("registry.validate closed"),
  baseline: nsPerOp("raw ajv closed"),
  target: "reference",
  pass: undefined,
});

const fmt = (ns: number) => `${ns.toFixed(1)} ns`;
console.log(
  `@cortex/plugins benchmarks (node ${process.version}, ${BATCH} ops per sample, best of ${ROUNDS} x ${TIME_MS} ms, ${CPU_CLOCK ? "CPU" : "wall"} time)`,
);
console.log("| benchmark | ours | baseline | ratio | target | result |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  const result = r.pass === undefined ? "-" : r.pass ? "pass" : "MISS";
  const ratio = r.name.includes("per event-loop turn")
    ? `+${(r.ours - r.baseline).toFixed(0)} ns`
    : `${(r.ours / r.baseline).toFixed(2)}x`;
  console.log(`| ${r.name} | ${fmt(r.ours)} | ${fmt(r.baseline)} | ${ratio} | ${r.target} | ${result} |`);
}
if (sink === -1) console.log(sink);
await registry.shutdown();
