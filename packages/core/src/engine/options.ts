import type { Extension } from "@cortex/hooks";
import type { PluginRegistry, Principal } from "@cortex/plugins";
import {
  checkTimeLimit,
  InvalidOptionsError,
  type Logger,
  type ModelClient,
  type SchemaLike,
} from "@cortex/primitives";
import type { EngineApprover } from "../approval/approver.js";
import type { OrchestrationResult } from "../orchestration/spec.js";
import type { CallJournal } from "../run/call-journal.js";
import type { PersonaDefinition } from "../persona/persona.js";
import type { RunBudget, RunResult } from "../run/run-state.js";
import type { RunStore } from "../store/run-store.js";
import type { SessionStore } from "../store/session-store.js";
import type { AgentDefinition } from "./agents.js";

/** Every default of the engine and its built-in extensions, in one place. */
export const ENGINE_DEFAULTS = Object.freeze({
  /** How long one model call may take. */
  modelTimeoutMs: 120_000,
  /** How long an inline approver may take before the call counts as denied. */
  approvalTimeoutMs: 300_000,
  /** Step limit of an agent that sets none. */
  defaultMaxSteps: 10,
  /** Handoffs one chain of runs may make. */
  maxHandoffs: 10,
  /** How long `shutdown` lets work in flight go on before aborting it. */
  shutdownTimeoutMs: 10_000,
  /** The least time `shutdown` gives hooks to settle after the work. */
  minHookFlushMs: 1_000,
  /** How long `shutdown({ timeoutMs: Infinity })` gives hooks: it waits for the work, never for a hook that never settles. */
  infiniteShutdownHookFlushMs: 10_000,
  /** Runs a parallel orchestration keeps going at once. */
  parallelConcurrency: 4,
  /** Recent samples `MetricsExtension` keeps per duration for its percentiles. */
  metricsWindow: 10_000,
  /** The least time between two writes of a `JsonLinesAuditRecorder`'s file: records made sooner go in the next one. */
  auditWriteIntervalMs: 1,
  /** Wrong tool calls (an unknown tool, arguments that are not JSON) sent back to the model per run before it fails. */
  maxToolRepairs: 3,
  /** Answers that do not match a run's `output` schema sent back to the model before the run fails. */
  maxOutputRetries: 2,
  /** How long a running run holds its session without writing to it; renewed as the run goes on. */
  sessionLeaseMs: 600_000,
  /** How long a checkpoint stays resolvable; `Infinity`: until it is resolved. */
  checkpointTtlMs: Infinity,
  /** How long a pausing run waits for the plugin's preview of the checkpointed call before pausing without one. */
  previewTimeoutMs: 5_000,
  /** Items per page of `listPending` and `listSessions` when no `limit` is given, and the most a page holds. */
  pageSize: 50,
  maxPageSize: 1_000,
  /** A file store's lock older than this was left by a crashed process and is taken over. */
  fileLockStaleMs: 10_000,
  /** How long a file store waits for a lock another process holds. */
  fileLockWaitMs: 30_000,
});

/** Everything `createEngine` takes. Only `model` and `plugins` are required. */
export interface EngineOptions {
  model: ModelClient;
  /** The plugin registry whose actions agents use as tools. */
  plugins: PluginRegistry;
  /** Extensions registered on the engine's hook bus, in order. */
  extensions?: Extension[];
  agents?: AgentDefinition[];
  /** Personas agents can refer to by name. */
  personas?: PersonaDefinition[];
  /** Records every tool call before and after it runs, so a run continued after a crash runs no call twice (see `CallJournal`). */
  callJournal?: CallJournal;
  /** Answers checkpoints inline instead of pausing runs; both checkpoint hooks still fire. */
  approver?: EngineApprover;
  /** Where paused runs are kept; default in memory. Use `JsonFileRunStore` to resume in another process. */
  runStore?: RunStore;
  /** Where conversations (`sessionId`) are kept; default in memory. Use `JsonFileSessionStore` to share them between processes. */
  sessionStore?: SessionStore;
  logger?: Logger;
  /** How long one model call may take: ms above 0, or `Infinity` for no limit; default 120 000 ms. */
  modelTimeoutMs?: number;
  /** How long an inline approver may take before the call counts as denied: ms above 0, or `Infinity`; default 300 000 ms. */
  approvalTimeoutMs?: number;
  /** Step limit for agents that set none: an integer ≥ 1; default 10. */
  defaultMaxSteps?: number;
  /** How many handoffs one chain of runs may make (A → B → A … counts each): an integer ≥ 0; default 10. */
  maxHandoffs?: number;
  /** Wrong tool calls (an unknown tool, arguments that are not JSON) the model is told about per run before the run fails: an integer ≥ 0; default 3. */
  maxToolRepairs?: number;
  /** Answers not matching a run's `output` schema sent back to the model before the run fails: an integer ≥ 0; default 2. */
  maxOutputRetries?: number;
  /** How long a running run holds its session between writes, in ms above 0; default 600 000 (renewed as the run goes on). */
  sessionLeaseMs?: number;
  /** How long a checkpoint stays resolvable, in ms above 0 or `Infinity`; past it a decision is a denial. Default `Infinity`. */
  checkpointTtlMs?: number;
  /** How long a pausing run waits for the plugin's preview of the call, in ms above 0 (finite); default 5 000. Past it, the checkpoint has no preview. */
  previewTimeoutMs?: number;
}

/** Options of one run. `S` is the type of `output`, from which `RunResult.value` takes its type. */
export interface RunOptions<S extends SchemaLike | undefined = SchemaLike | undefined> {
  /** Aborting it fails the run with `CORTEX_RUN_ABORTED`; for `engine.stream`, so does `break`. */
  signal?: AbortSignal;
  /** The new run's id (1-128 letters, digits, "_", "." or "-"), when the caller needs it before the run starts; default a fresh one. */
  runId?: string;
  /** Who the run acts for; ADMIN tools need a principal the registry authorizes, and are offered only to one. */
  principal?: Principal;
  /** The conversation the run continues and adds to (see `SessionStore`); created on first use. */
  sessionId?: string;
  /**
   * The answer's schema — any Standard Schema (zod, valibot, arktype…) or a
   * JSON Schema object. The model is asked for JSON; the answer is parsed
   * and validated into `result.value`, and one that does not validate goes
   * back to the model with the problems (`maxOutputRetries` times) before
   * the run fails with `CORTEX_OUTPUT_INVALID`.
   */
  output?: S;
  /** Limits of this run, field by field over the agent's `budget`; crossing one fails it with `CORTEX_BUDGET_EXCEEDED`. */
  budget?: RunBudget;
  /** How long this run's checkpoints stay resolvable, in ms above 0 or `Infinity`; default the engine's `checkpointTtlMs`. */
  checkpointTtlMs?: number;
}

/** Options of `engine.resolveCheckpoint`: the caller's signal, and the schema to type and check `value` with. */
export interface ResumeOptions<S extends SchemaLike | undefined = SchemaLike | undefined> {
  /** Aborting it fails the resumed run with `CORTEX_RUN_ABORTED`. */
  signal?: AbortSignal;
  /**
   * The run's `output` schema again, to validate with it (and type `value`).
   * Without it, the JSON Schema stored with the paused run is used.
   */
  output?: S;
}

/** A run's result; when the run continued an orchestration (after a checkpoint), that orchestration's result too. */
export type ResumedRunResult<T = unknown> = RunResult<T> & { orchestration?: OrchestrationResult };

/** Options of `engine.shutdown`. */
export interface ShutdownOptions {
  /** How long in-flight work may go on before it is aborted: ms (0 or more), or `Infinity` to wait for it; default 10 000 ms. */
  timeoutMs?: number;
  /**
   * How long hooks still running once the work is done (an audit file's last
   * records) may take: ms (0 or more), never `Infinity`, so a hook that never
   * settles cannot hold shutdown. Default `timeoutMs` (at least 1 000 ms), or
   * 10 000 ms when `timeoutMs` is `Infinity`.
   */
  flushTimeoutMs?: number;
}

/** What `engine.shutdown` reports. */
export interface ShutdownReport {
  /** Runs that were still going at the deadline and were aborted. */
  abortedRuns: number;
  /** Hook calls that had not settled when the bus flush ended. */
  hooksTimedOut: number;
}

/** The engine's options with their defaults filled in. */
export interface EngineSettings {
  readonly modelTimeoutMs: number;
  readonly approvalTimeoutMs: number;
  readonly defaultMaxSteps: number;
  readonly maxHandoffs: number;
  readonly maxToolRepairs: number;
  readonly maxOutputRetries: number;
  readonly sessionLeaseMs: number;
  readonly checkpointTtlMs: number;
  readonly previewTimeoutMs: number;
}

function checkInteger(option: string, value: unknown, least: number): number {
  if (Number.isInteger(value) && (value as number) >= least) return value as number;
  throw new InvalidOptionsError(option, `createEngine: ${option} must be an integer ≥ ${least}; got ${String(value)}`);
}

function checkList(option: string, value: unknown): void {
  if (value !== undefined && !Array.isArray(value)) {
    throw new InvalidOptionsError(option, `createEngine: ${option} must be a list`);
  }
}

/** Checks the options `createEngine` uses itself (the bus checks extensions and the logger); `CORTEX_INVALID_OPTIONS` names the one at fault. */
export function engineSettings(options: EngineOptions): EngineSettings {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionsError("options", "createEngine needs an options object with a model and plugins");
  }
  if (typeof options.model?.generate !== "function") {
    throw new InvalidOptionsError("model", "createEngine needs a model with generate()");
  }
  if (typeof options.plugins?.execute !== "function") {
    throw new InvalidOptionsError("plugins", "createEngine needs a PluginRegistry as plugins");
  }
  if (options.approver !== undefined && typeof options.approver !== "function") {
    throw new InvalidOptionsError("approver", "createEngine: approver must be a function");
  }
  const store = options.runStore as Partial<RunStore> | undefined;
  if (
    store !== undefined &&
    !["save", "load", "claim", "delete"].every((m) => typeof store[m as keyof RunStore] === "function")
  ) {
    throw new InvalidOptionsError("runStore", "createEngine: runStore must have save, load, claim and delete");
  }
  const sessions = options.sessionStore as Partial<SessionStore> | undefined;
  const sessionMethods = ["load", "acquire", "append", "release", "list", "delete"] as const;
  if (sessions !== undefined && !sessionMethods.every((m) => typeof sessions[m] === "function")) {
    throw new InvalidOptionsError("sessionStore", `createEngine: sessionStore must have ${sessionMethods.join(", ")}`);
  }
  const journal = options.callJournal as Partial<CallJournal> | undefined;
  if (journal !== undefined && (typeof journal.begin !== "function" || typeof journal.finish !== "function")) {
    throw new InvalidOptionsError("callJournal", "createEngine: callJournal must have begin and finish");
  }
  checkList("agents", options.agents);
  checkList("personas", options.personas);
  checkList("extensions", options.extensions);
  const d = ENGINE_DEFAULTS;
  return {
    modelTimeoutMs: checkTimeLimit("createEngine", "modelTimeoutMs", options.modelTimeoutMs ?? d.modelTimeoutMs),
    approvalTimeoutMs: checkTimeLimit(
      "createEngine",
      "approvalTimeoutMs",
      options.approvalTimeoutMs ?? d.approvalTimeoutMs,
    ),
    defaultMaxSteps: checkInteger("defaultMaxSteps", options.defaultMaxSteps ?? d.defaultMaxSteps, 1),
    maxHandoffs: checkInteger("maxHandoffs", options.maxHandoffs ?? d.maxHandoffs, 0),
    maxToolRepairs: checkInteger("maxToolRepairs", options.maxToolRepairs ?? d.maxToolRepairs, 0),
    maxOutputRetries: checkInteger("maxOutputRetries", options.maxOutputRetries ?? d.maxOutputRetries, 0),
    sessionLeaseMs: checkFinite("createEngine", "sessionLeaseMs", options.sessionLeaseMs ?? d.sessionLeaseMs),
    checkpointTtlMs: checkTimeLimit("createEngine", "checkpointTtlMs", options.checkpointTtlMs ?? d.checkpointTtlMs),
    previewTimeoutMs: checkFinite("createEngine", "previewTimeoutMs", options.previewTimeoutMs ?? d.previewTimeoutMs),
  };
}

/** A time limit that is a finite number of ms above 0: `CORTEX_INVALID_OPTIONS` naming `option` otherwise. */
export function checkFinite(where: string, option: string, value: unknown): number {
  if (typeof value === "number" && value > 0 && Number.isFinite(value)) return value;
  throw new InvalidOptionsError(
    option,
    `${where}: ${option} must be a finite number of milliseconds > 0; got ${String(value)}`,
  );
}

/**
 * A budget, checked field by field: token and call limits are integers ≥ 1,
 * `maxDurationMs` a number of ms above 0 (`Infinity`: none). `where` names
 * its owner in the message (`run`, `agents[0]`), `path` the option.
 */
export function readBudget(where: string, path: string, budget: unknown): RunBudget | undefined {
  if (budget === undefined) return undefined;
  if (typeof budget !== "object" || budget === null || Array.isArray(budget)) {
    throw new InvalidOptionsError(path, `${where}: ${path} must be an object of limits`);
  }
  const { maxTokens, maxModelCalls, maxDurationMs } = budget as RunBudget;
  for (const [field, value] of [
    ["maxTokens", maxTokens],
    ["maxModelCalls", maxModelCalls],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new InvalidOptionsError(
        `${path}.${field}`,
        `${where}: ${path}.${field} must be an integer ≥ 1; got ${String(value)}`,
      );
    }
  }
  if (maxDurationMs !== undefined) checkTimeLimit(where, `${path}.maxDurationMs`, maxDurationMs);
  return {
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(maxModelCalls !== undefined ? { maxModelCalls } : {}),
    ...(maxDurationMs !== undefined && maxDurationMs !== Infinity ? { maxDurationMs } : {}),
  };
}

/**
 * The limits of `shutdown`: how long the work may go on (0 or more ms, or
 * `Infinity`), and how long hooks may take after it (always finite: see
 * `flushTimeoutMs`). A bad one is a `CORTEX_INVALID_OPTIONS` error to reject with.
 */
export function shutdownLimits(
  options: ShutdownOptions | undefined,
): { timeoutMs: number; flushTimeoutMs: number } | InvalidOptionsError {
  const timeoutMs: unknown = options?.timeoutMs ?? ENGINE_DEFAULTS.shutdownTimeoutMs;
  if (typeof timeoutMs !== "number" || !(timeoutMs >= 0)) {
    const got = String(timeoutMs);
    return new InvalidOptionsError(
      "timeoutMs",
      `shutdown: timeoutMs must be 0 or more milliseconds, or Infinity; got ${got}`,
    );
  }
  const { minHookFlushMs, infiniteShutdownHookFlushMs } = ENGINE_DEFAULTS;
  const flushTimeoutMs: unknown =
    options?.flushTimeoutMs ??
    (timeoutMs === Infinity ? infiniteShutdownHookFlushMs : Math.max(minHookFlushMs, timeoutMs));
  if (typeof flushTimeoutMs !== "number" || !(flushTimeoutMs >= 0) || flushTimeoutMs === Infinity) {
    const got = String(flushTimeoutMs);
    return new InvalidOptionsError(
      "flushTimeoutMs",
      `shutdown: flushTimeoutMs must be 0 or more milliseconds (never Infinity: a hook that never settles must not hold shutdown); got ${got}`,
    );
  }
  return { timeoutMs, flushTimeoutMs };
}
