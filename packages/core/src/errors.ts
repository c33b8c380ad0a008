import { CortexError, type ErrorTable } from "@cortex/primitives";

/**
 * Every code `@cortex/core` throws, puts in a failed run's or orchestration's
 * `error`, or gives the model as a tool result, with the class that carries
 * it (`"result"`: never thrown). A bad option is `CORTEX_INVALID_OPTIONS`
 * (`InvalidOptionsError` of `@cortex/primitives`).
 */
export const CORE_ERRORS = {
  CORTEX_DUPLICATE_AGENT: "DuplicateAgentError",
  CORTEX_AGENT_NOT_FOUND: "AgentNotFoundError",
  CORTEX_PERSONA_NOT_FOUND: "PersonaNotFoundError",
  CORTEX_ENGINE_SHUT_DOWN: "EngineShutDownError",
  CORTEX_CHECKPOINT_NOT_FOUND: "CheckpointNotFoundError",
  CORTEX_INVALID_ORCHESTRATION: "InvalidOrchestrationError",
  CORTEX_STEP_LIMIT: "RunError",
  CORTEX_RUN_ABORTED: "RunError",
  CORTEX_MODEL_ERROR: "RunError",
  CORTEX_MODEL_TIMEOUT: "RunError",
  CORTEX_UNKNOWN_TOOL: "RunError",
  CORTEX_INVALID_TOOL_CALL: "RunError",
  CORTEX_RUN_STORE_FAILED: "RunError",
  CORTEX_TOOL_FAILED: "result",
  CORTEX_TOOL_NOT_AVAILABLE: "result",
  CORTEX_TIER_CHANGED: "result",
  CORTEX_RESULT_NOT_JSON: "result",
  CORTEX_HANDOFF_LIMIT: "result",
  CORTEX_ROUTING_FAILED: "result",
  CORTEX_ORCHESTRATION_FAILED: "result",
  CORTEX_INTERNAL: "result",
} as const satisfies ErrorTable;

/** A code of {@link CORE_ERRORS}. */
export type CoreErrorCode = keyof typeof CORE_ERRORS;

/** Codes a run fails with, carried by {@link RunError}. */
export type RunErrorCode = {
  [C in CoreErrorCode]: (typeof CORE_ERRORS)[C] extends "RunError" ? C : never;
}[CoreErrorCode];

/** Two agents were defined with one id. */
export class DuplicateAgentError extends CortexError<"CORTEX_DUPLICATE_AGENT"> {
  constructor(readonly agentId: string) {
    super("CORTEX_DUPLICATE_AGENT", `Agent "${agentId}" is defined twice`);
  }
}

/** `engine.run` named an agent that is not defined. */
export class AgentNotFoundError extends CortexError<"CORTEX_AGENT_NOT_FOUND"> {
  constructor(readonly agentId: string) {
    super("CORTEX_AGENT_NOT_FOUND", `No agent "${agentId}" is defined`);
  }
}

/** An agent refers to a persona that is not registered; thrown before the run starts. */
export class PersonaNotFoundError extends CortexError<"CORTEX_PERSONA_NOT_FOUND"> {
  constructor(
    readonly personaName: string,
    readonly agentId: string,
  ) {
    super("CORTEX_PERSONA_NOT_FOUND", `Agent "${agentId}" uses persona "${personaName}", which is not registered`);
  }
}

/** `engine.orchestrate` got a spec it cannot run: unknown strategy, no agents, an undefined agent. */
export class InvalidOrchestrationError extends CortexError<"CORTEX_INVALID_ORCHESTRATION"> {
  constructor(message: string) {
    super("CORTEX_INVALID_ORCHESTRATION", `Invalid orchestration: ${message}`);
  }
}

/** The engine is shutting down or shut down, and refuses new work. */
export class EngineShutDownError extends CortexError<"CORTEX_ENGINE_SHUT_DOWN"> {
  constructor() {
    super("CORTEX_ENGINE_SHUT_DOWN", "The engine is shut down and accepts no new runs");
  }
}

/** No run is paused at this checkpoint in the run store (or it was resolved already). */
export class CheckpointNotFoundError extends CortexError<"CORTEX_CHECKPOINT_NOT_FOUND"> {
  constructor(readonly checkpointId: string) {
    super(
      "CORTEX_CHECKPOINT_NOT_FOUND",
      `No run is paused at checkpoint "${checkpointId}"; it may have been resolved already`,
    );
  }
}

/** Why a run failed. Carried as `error` of a failed `RunResult` and of the `runFailed` event; `code` tells what happened. */
export class RunError extends CortexError<RunErrorCode> {}

/** The error a run fails with when its signal aborts. */
export function abortError(signal: AbortSignal): RunError {
  const reason: unknown = signal.reason;
  const why = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "aborted";
  return new RunError("CORTEX_RUN_ABORTED", `The run was aborted: ${why}`, { cause: reason });
}
