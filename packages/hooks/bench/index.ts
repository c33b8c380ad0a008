/**
 * Hot-path benchmarks for @cortex/hooks. Each row compares our code with a
 * baseline measured in the same process, so the ratio (not the absolute
 * ops/s) is what matters. Each sample runs a batch of calls because a
 * single emit is far below the timer's resolution. Missed targets are
 * printed, not fatal: shared machines are noisy.
 *
 * Knobs: BENCH_ROUNDS (default 5), BENCH_TIME_MS per task and round
 * (default 300), BENCH_CLOCK=cpu to time with process CPU time instead of
 * wall time (steadier on a shared, loaded machine; includes GC threads).
 */
import { EventEmitter } from "eventemitter3";
import { Bench } from "tinybench";
import { HookBus, silentLogger, type Extension, type StepStartedEvent } from "../src/index.js";

const BATCH = 1_000;
const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CPU_CLOCK = process.env.BENCH_CLOCK === "cpu";
const cpuNow = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

let sink = 0;
const event: StepStartedEvent = { runId: "run-1", stepIndex: 1 };

/** Distinct closures, so call sites see as many targets as a real bus would. */
function syncHandler(i: number): (e: StepStartedEvent) => void {
  return (e) => {
    sink += e.stepIndex + i;
  };
}

function asyncHandler(i: number): (e: StepStartedEvent) => Promise<void> {
  return async (e) => {
    sink += e.stepIndex + i;
  };
}

function busWith(handlers: ((e: StepStartedEvent) => void | Promise<void>)[]): HookBus {
  const bus = new HookBus({ logger: silentLogger });
  handlers.forEach((handler, i) => {
    const extension: Extension = { name: `ext-${i}`, onStepStarted: handler };
    bus.register(extension);
  });
  return bus;
}

interface Row {
  name: string;
  ours: number;
  baseline: number;
  target: number;
}

/** ops/s of single calls; best of ROUNDS, alternating which task runs first. */
async function compare(
  name: string,
  target: number,
  ours: () => void | Promise<void>,
  baseline: () => void | Promise<void>,
): Promise<Row> {
  let bestOurs = 0;
  let bestBaseline = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME_MS, warmupTime: 100, ...(CPU_CLOCK ? { now: cpuNow } : {}) });
    const tasks: [string, () => void | Promise<void>][] = [
      ["ours", ours],
      ["baseline", baseline],
    ];
    if (round % 2 === 1) tasks.reverse();
    for (const [label, fn] of tasks) bench.add(label, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== "completed")
        throw new Error(`benchmark ${name}/${task.name} did not complete: ${result.state}`);
      const opsPerSecond = (BATCH * 1000) / result.period;
      if (task.name === "ours") bestOurs = Math.max(bestOurs, opsPerSecond);
      else bestBaseline = Math.max(bestBaseline, opsPerSecond);
    }
  }
  return { name, ours: bestOurs, baseline: bestBaseline, target };
}

async function main(): Promise<void> {
  const rows: Row[] = [];

  // (a) A hook nobody implements, on a bus that has extensions for other hooks.
  {
    const bus = new HookBus({ logger: silentLogger });
    for (let i = 0; i < 5; i++) bus.register({ name: `ext-${i}`, onRunStarted: () => void sink++ });
    const map = new Map<string, unknown>([["runStarted", [syncHandler(0)]]]);
    rows.push(
      await compare(
        "emit, no subscriber vs Map.get",
        2,
        () => {
          for (let n = 0; n < BATCH; n++) bus.emit("stepStarted", event);
        },
        () => {
          for (let n = 0; n < BATCH; n++) if (map.get("stepStarted") !== undefined) sink++;
        },
      ),
    );
  }

  // (b) Same listeners on our bus and on eventemitter3.
  for (const count of [1, 10]) {
    const handlers = Array.from({ length: count }, (_, i) => syncHandler(i));
    const bus = busWith(handlers);
    const emitter = new EventEmitter();
    for (const handler of handlers) emitter.on("stepStarted", handler);
    rows.push(
      await compare(
        `emit to ${count} vs eventemitter3`,
        1.2,
        () => {
          for (let n = 0; n < BATCH; n++) bus.emit("stepStarted", event);
        },
        () => {
          for (let n = 0; n < BATCH; n++) emitter.emit("stepStarted", event);
        },
      ),
    );
  }

  // (c) What the bus itself costs when all 10 extensions are async: emit
  // against emit's own dispatch loop with no bookkeeping (call in order,
  // catch throws, test for a thenable), which drops the promises, so its
  // rejections would go unhandled and flush could not work. Whatever a
  // correct bus does per promise is the difference.
  {
    const asyncBus = busWith(Array.from({ length: 10 }, (_, i) => asyncHandler(i)));
    const syncBus = busWith(Array.from({ length: 10 }, (_, i) => syncHandler(i)));
    const asyncFns = Array.from({ length: 10 }, (_, i) => asyncHandler(i));
    const syncFns = Array.from({ length: 10 }, (_, i) => syncHandler(i));
    rows.push(
      await compare(
        "(c) emit to 10 async vs bookkeeping-free dispatch of 10 async",
        1.5,
        () => {
          for (let n = 0; n < BATCH; n++) asyncBus.emit("stepStarted", event);
        },
        () => {
          for (let n = 0; n < BATCH; n++) bareDispatch(asyncFns, event);
        },
      ),
    );
    await asyncBus.flush(1_000);

    rows.push(
      await compare(
        "emit to 10 async vs 10 sync",
        Number.NaN,
        () => {
          for (let n = 0; n < BATCH; n++) asyncBus.emit("stepStarted", event);
        },
        () => {
          for (let n = 0; n < BATCH; n++) syncBus.emit("stepStarted", event);
        },
      ),
    );
    await asyncBus.flush(1_000);

    // Not the metric, reported so nobody is misled: the whole cost,
    // emits plus the microtasks that settle the hook promises (awaiting
    // flush drains them; the sync bus's flush returns at once).
    rows.push(
      await compare(
        "total: emit to 10 async + flush vs 10 sync + flush",
        Number.NaN,
        async () => {
          for (let n = 0; n < BATCH; n++) asyncBus.emit("stepStarted", event);
          await asyncBus.flush(Infinity);
        },
        async () => {
          for (let n = 0; n < BATCH; n++) syncBus.emit("stepStarted", event);
          await syncBus.flush(Infinity);
        },
      ),
    );

    // References without a bus: the floor loop, and calling the functions
    // alone, each against its sync twin.
    rows.push(
      await compare(
        "floor: bookkeeping-free dispatch, 10 async vs 10 sync",
        Number.NaN,
        () => {
          for (let n = 0; n < BATCH; n++) bareDispatch(asyncFns, event);
        },
        () => {
          for (let n = 0; n < BATCH; n++) bareDispatch(syncFns, event);
        },
      ),
    );
    rows.push(
      await compare(
        "floor: 10 async vs 10 sync fns, no bus",
        Number.NaN,
        () => {
          for (let n = 0; n < BATCH; n++) for (const fn of asyncFns) void fn(event);
        },
        () => {
          for (let n = 0; n < BATCH; n++) for (const fn of syncFns) fn(event);
        },
      ),
    );
  }

  printTable(rows);
  if (sink === Number.MIN_SAFE_INTEGER) console.log(sink);
}

/** Emit's dispatch loop without its bookkeeping: the baseline of (c). */
function bareDispatch(handlers: readonly ((e: StepStartedEvent) => unknown)[], e: StepStartedEvent): void {
  for (const handler of handlers) {
    try {
      const result = handler(e);
      if (
        typeof result === "object" &&
        result !== null &&
        typeof (result as PromiseLike<unknown>).then === "function"
      ) {
        sink++;
      }
    } catch {
      sink--;
    }
  }
}

function printTable(rows: Row[]): void {
  const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
  const table = rows.map((row) => {
    // Ratio is how many times slower we are than the baseline (time per op).
    const ratio = row.baseline / row.ours;
    return {
      benchmark: row.name,
      "ours ops/s": fmt(row.ours),
      "baseline ops/s": fmt(row.baseline),
      ratio: `${ratio.toFixed(2)}x`,
      target: Number.isNaN(row.target) ? "reference" : `<= ${row.target}x`,
      result: Number.isNaN(row.target) ? "-" : ratio <= row.target ? "pass" : "MISS",
    };
  });
  console.log(
    `@cortex/hooks benchmarks (node ${process.version}, best of ${ROUNDS} x ${TIME_MS} ms, ${BATCH} calls per sample, ${CPU_CLOCK ? "CPU" : "wall"} time)`,
  );
  console.table(table);
}

await main();
