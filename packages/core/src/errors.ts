import { CortexError, isCortexError } from "@cortex/plugins";

/** Every code `@cortex/core` throws, puts in a failed run's error, or gives the model as a tool result. */
export const CORE_ERROR_CODES = [
  "CORTEX_INVALID_AGENT",
  "CORTEX_DUPLICATE_AGENT",
  "CORTEX_AGENT_NOT_FOUND",
  "CORTEX_PERSONA_NOT_FOUND",
  "CORTEX_TOOL_NOT_AVAILABLE",
  "CORTEX_TOOL_FAILED",
  "CORTEX_ENGINE_SHUT_DOWN",
  "CORTEX_STEP_LIMIT",
  "CORTEX_RUN_ABORTED",
  "CORTEX_MODEL_ERROR",
  "CORTEX_MODEL_TIMEOUT",
  "CORTEX_UNKNOWN_TOOL",
  "CORTEX_INVALID_TOOL_CALL",
  "CORTEX_CHECKPOINT_NOT_FOUND",
  "CORTEX_RUN_STORE_FAILED",
  "CORTEX_HANDOFF_LIMIT",
  "CORTEX_INVALID_ORCHESTRATION",
  "CORTEX_ROUTING_FAILED",
  "CORTEX_ORCHESTRATION_FAILED",
  "CORTEX_INTERNAL",
] as const;

/** A closed union of `@cortex/core` error codes. */
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];

// One base for every Cortex package: `CortexError` and `isCortexError` are
// those of @cortex/plugins (re-exported from this package's index), so
// `instanceof CortexError` means the same thing whichever package it is
// imported from.
export { CortexError, isCortexError };

/** An agent definition is malformed or refers to something that does not exist. */
export class InvalidAgentError extends CortexError<CoreErrorCode> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_INVALID_AGENT", message, options);
    this.name = "InvalidAgentError";
  }
}

/** Two agents were defined with one id. */
export class DuplicateAgentError extends CortexError<CoreErrorCode> {
  constructor(readonly agentId: string) {
    super("CORTEX_DUPLICATE_AGENT", `Agent "${agentId}" is defined twice`);
    this.name = "DuplicateAgentError";
  }
}

/** `engine.run` named an agent that is not defined. */
export class AgentNotFoundError extends CortexError<CoreErrorCode> {
  constructor(readonly agentId: string) {
    super("CORTEX_AGENT_NOT_FOUND", `No agent "${agentId}" is defined`);
    this.name = "AgentNotFoundError";
  }
}

/** An agent refers to a persona that is not registered; thrown before the run starts. */
export class PersonaNotFoundError extends CortexError<CoreErrorCode> {
  constructor(
    readonly personaName: string,
    readonly agentId: string,
  ) {
    super("CORTEX_PERSONA_NOT_FOUND", `Agent "${agentId}" uses persona "${personaName}", which is not registered`);
    this.name = "PersonaNotFoundError";
  }
}

/** `engine.orchestrate` got a spec it cannot run: unknown strategy, no agents, an undefined agent. */
export class InvalidOrchestrationError extends CortexError<CoreErrorCode> {
  constructor(message: string) {
    super("CORTEX_INVALID_ORCHESTRATION", `Invalid orchestration: ${message}`);
    this.name = "InvalidOrchestrationError";
  }
}

/** The engine is shutting down or shut down, and refuses new work. */
export class EngineShutDownError extends CortexError<CoreErrorCode> {
  constructor() {
    super("CORTEX_ENGINE_SHUT_DOWN", "The engine is shut down and accepts no new runs");
    this.name = "EngineShutDownError";
  }
}

/** No run is paused at this checkpoint in the run store (or it was resolved already). */
export class CheckpointNotFoundError extends CortexError<CoreErrorCode> {
  constructor(readonly checkpointId: string) {
    super(
      "CORTEX_CHECKPOINT_NOT_FOUND",
      `No run is paused at checkpoint "${checkpointId}"; it may have been resolved already`,
    );
    this.name = "CheckpointNotFoundError";
  }
}

/**
 * Why a run failed. Carried as `error` of a failed `RunResult` and of the
 * `runFailed` event; `code` tells what happened.
 */
export class RunError extends CortexError<CoreErrorCode> {
  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "RunError";
  }
}

/** Plain-data form of an error, as stored in run state and shown to models. */
export interface ErrorInfo {
  code: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** Turns anything thrown into plain data, keeping a Cortex code when there is one. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (isCortexError(error)) {
    const info: ErrorInfo = { code: error.code, message: error.message };
    const issues = (error as { issues?: unknown }).issues;
    if (Array.isArray(issues)) info.issues = issues as ErrorInfo["issues"];
    return info;
  }
  if (error instanceof Error) return { code: "CORTEX_INTERNAL", message: error.message };
  return { code: "CORTEX_INTERNAL", message: String(error) };
}
