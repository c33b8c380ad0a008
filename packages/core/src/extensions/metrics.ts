import { HOOK_NAMES, hookMethodName, type Extension, type HookEvent, type HookName } from "@cortex/hooks";
import { InvalidOptionsError } from "@cortex/primitives";
import { ENGINE_DEFAULTS } from "../engine/options.js";

/** Count, sum and percentiles of a set of durations, in fractional milliseconds. */
export interface DurationSummary {
  count: number;
  sum: number;
  p50: number;
  p95: number;
  max: number;
}

/** What `MetricsExtension.snapshot()` returns: plain data, safe to serialize. */
export interface MetricsSnapshot {
  /** How many times each hook fired. */
  counters: Record<HookName, number>;
  durations: { runs: DurationSummary; steps: DurationSummary; tools: DurationSummary; models: DurationSummary };
  /** Tokens of every completed model call that reported usage. */
  tokens: { input: number; output: number };
}

/** Keeps exact count, sum and max, and a bounded window of recent samples for percentiles. */
class Durations {
  count = 0;
  sum = 0;
  max = 0;
  readonly #window: number[] = [];
  #next = 0;

  constructor(private readonly windowSize: number) {}

  add(ms: number): void {
    this.count += 1;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
    if (this.#window.length < this.windowSize) this.#window.push(ms);
    else {
      this.#window[this.#next] = ms;
      this.#next = (this.#next + 1) % this.windowSize;
    }
  }

  summary(): DurationSummary {
    const sorted = [...this.#window].sort((a, b) => a - b);
    const at = (q: number) =>
      sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    return { count: this.count, sum: this.sum, p50: at(0.5), p95: at(0.95), max: this.max };
  }
}

/** Start times of runs or tools still going; bounded, so runs paused and resumed elsewhere cannot grow it forever. */
const MAX_OPEN = 10_000;

function remember(starts: Map<string, number>, runId: string): void {
  starts.delete(runId);
  starts.set(runId, performance.now());
  if (starts.size > MAX_OPEN) starts.delete(starts.keys().next().value!);
}

/**
 * Counts every hook, measures runs, steps, tools and model calls, in
 * fractional milliseconds, and sums the tokens model calls report. Failed
 * runs and failed tools are measured too, from their start events.
 */
export class MetricsExtension implements Extension {
  readonly name: string;
  /** How many times each hook fired, in the order of `HOOK_NAMES`. */
  readonly #counts: number[] = HOOK_NAMES.map(() => 0);
  readonly #runs: Durations;
  readonly #steps: Durations;
  readonly #tools: Durations;
  readonly #models: Durations;
  readonly #tokens = { input: 0, output: 0 };
  readonly #runStarts = new Map<string, number>();
  readonly #toolStarts = new Map<string, number>();

  constructor(options: { name?: string; window?: number } = {}) {
    this.name = options.name ?? "metrics";
    const window = options.window ?? ENGINE_DEFAULTS.metricsWindow;
    if (!Number.isInteger(window) || window < 1) {
      throw new InvalidOptionsError("window", `MetricsExtension: window must be an integer ≥ 1; got ${String(window)}`);
    }
    this.#runs = new Durations(window);
    this.#steps = new Durations(window);
    this.#tools = new Durations(window);
    this.#models = new Durations(window);
    // One counting method per hook, so the bus calls this extension for every hook. Each counts
    // by its hook's index into an array: a keyed property store per event costs more than the rest.
    const counts = this.#counts;
    HOOK_NAMES.forEach((hook, index) => {
      const method = hookMethodName(hook);
      const own = (this as unknown as Record<string, ((event: unknown) => void) | undefined>)[method]?.bind(this);
      Object.defineProperty(this, method, {
        value:
          own === undefined
            ? () => {
                counts[index] = counts[index]! + 1;
              }
            : (event: unknown) => {
                counts[index] = counts[index]! + 1;
                own(event);
              },
      });
    });
  }

  /** Counters and duration summaries, as plain data. */
  snapshot(): MetricsSnapshot {
    return {
      counters: Object.fromEntries(HOOK_NAMES.map((hook, index) => [hook, this.#counts[index]])) as Record<
        HookName,
        number
      >,
      durations: {
        runs: this.#runs.summary(),
        steps: this.#steps.summary(),
        tools: this.#tools.summary(),
        models: this.#models.summary(),
      },
      tokens: { ...this.#tokens },
    };
  }

  onRunStarted(event: HookEvent<"runStarted">): void {
    remember(this.#runStarts, event.runId);
  }

  onRunCompleted(event: HookEvent<"runCompleted">): void {
    this.#runStarts.delete(event.runId);
    this.#runs.add(event.elapsedMs);
  }

  onRunFailed(event: HookEvent<"runFailed">): void {
    const started = this.#runStarts.get(event.runId);
    this.#runStarts.delete(event.runId);
    if (started !== undefined) this.#runs.add(performance.now() - started);
  }

  onStepCompleted(event: HookEvent<"stepCompleted">): void {
    this.#steps.add(event.elapsedMs);
  }

  onToolCalled(event: HookEvent<"toolCalled">): void {
    remember(this.#toolStarts, event.runId);
  }

  onCheckpointCreated(event: HookEvent<"checkpointCreated">): void {
    // A call that waits for a human is not tool time: an approved call is measured by toolCompleted's elapsedMs.
    this.#toolStarts.delete(event.runId);
  }

  onToolCompleted(event: HookEvent<"toolCompleted">): void {
    this.#toolStarts.delete(event.runId);
    this.#tools.add(event.elapsedMs);
  }

  onToolFailed(event: HookEvent<"toolFailed">): void {
    const started = this.#toolStarts.get(event.runId);
    this.#toolStarts.delete(event.runId);
    if (started !== undefined) this.#tools.add(performance.now() - started);
  }

  onModelCompleted(event: HookEvent<"modelCompleted">): void {
    this.#models.add(event.elapsedMs);
    if (event.usage !== undefined) {
      this.#tokens.input += event.usage.inputTokens;
      this.#tokens.output += event.usage.outputTokens;
    }
  }
}
