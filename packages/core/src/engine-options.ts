import type { Extension } from "@cortex/hooks";
import type { Logger, PluginRegistry, Principal } from "@cortex/plugins";
import type { AgentDefinition } from "./agent.js";
import type { EngineApprover } from "./checkpoints.js";
import type { ModelClient } from "./model.js";
import type { OrchestrationResult } from "./orchestration.js";
import type { PersonaDefinition } from "./persona.js";
import type { RunResult } from "./run-state.js";
import type { RunStore } from "./run-store.js";
import { isTimeout } from "./abort.js";
import { InvalidAgentError } from "./errors.js";

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
  /** Answers checkpoints inline instead of pausing runs; both checkpoint hooks still fire. */
  approver?: EngineApprover;
  /** Where paused runs are kept; default in memory. Use `JsonFileRunStore` to resume in another process. */
  runStore?: RunStore;
  logger?: Logger;
  /** How long one model call may take: ms above 0, or `Infinity` for no limit; default 120 000 ms. */
  modelTimeoutMs?: number;
  /** How long an inline approver may take before the call counts as denied: ms above 0, or `Infinity`; default 300 000 ms. */
  approvalTimeoutMs?: number;
  /** Step limit for agents that set none; default 10. */
  defaultMaxSteps?: number;
  /** How many handoffs one chain of runs may make (A → B → A … counts each); default 10. */
  maxHandoffs?: number;
}

/** Options of one run. */
export interface RunOptions {
  /** Aborting it fails the run with `CORTEX_RUN_ABORTED`. */
  signal?: AbortSignal;
  /** Who the run acts for; ADMIN tools need a principal the registry authorizes. */
  principal?: Principal;
}

/** A run's result; when the run continued an orchestration (after a checkpoint), that orchestration's result too. */
export type ResumedRunResult = RunResult & { orchestration?: OrchestrationResult };

/** Options of `engine.shutdown`. */
export interface ShutdownOptions {
  /** How long in-flight work may go on before it is aborted: ms (0 or more), or `Infinity` to wait for it; default 10 000 ms. */
  timeoutMs?: number;
}

/** What `engine.shutdown` reports. */
export interface ShutdownReport {
  /** Runs that were still going at the deadline and were aborted. */
  abortedRuns: number;
  /** Hook calls that had not settled when the bus flush ended. */
  hooksTimedOut: number;
}

/** Checks the options `createEngine` validates itself; a malformed one is `CORTEX_INVALID_AGENT`, naming the option. */
export function checkEngineOptions(options: EngineOptions): void {
  if (typeof options?.model?.generate !== "function")
    throw new InvalidAgentError("createEngine needs a model with generate()");
  if (typeof options.plugins?.execute !== "function")
    throw new InvalidAgentError("createEngine needs a PluginRegistry as plugins");
  for (const name of ["modelTimeoutMs", "approvalTimeoutMs"] as const) {
    const value = options[name];
    if (value !== undefined && !isTimeout(value)) {
      throw new InvalidAgentError(
        `createEngine: ${name} must be a number of milliseconds above 0, or Infinity; got ${String(value)}`,
      );
    }
  }
}
