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
  CORTEX_CALL_JOURNAL_FAILED: "RunError",
  CORTEX_BUDGET_EXCEEDED: "RunError",
  CORTEX_OUTPUT_INVALID: "OutputInvalidError",
  CORTEX_SESSION_CONFLICT: "SessionConflictError",
  CORTEX_SESSION_BUSY: "SessionBusyError",
  CORTEX_NO_MATCHING_TOOLS: "NoMatchingToolsError",
  CORTEX_STORE_UNSUPPORTED: "StoreUnsupportedError",
  CORTEX_CHECKPOINT_EXPIRED: "result",
  CORTEX_TOOL_FAILED: "result",
  CORTEX_TOOL_NOT_AVAILABLE: "result",
  CORTEX_TIER_CHANGED: "result",
  CORTEX_RESULT_NOT_JSON: "result",
  CORTEX_TOOL_INTERRUPTED: "result",
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

/**
 * A run may not take the session: another run holds it (running, or paused
 * at a checkpoint) and its lease has not expired. Thrown by `engine.run` and
 * `engine.stream` before the run starts, and by `SessionStore.acquire`.
 */
export class SessionBusyError extends CortexError<"CORTEX_SESSION_BUSY"> {
  constructor(
    readonly sessionId: string,
    /** The run holding the session. */
    readonly heldBy: string,
    /** When its lease ends (ISO 8601); absent when it holds the session until it ends or is resolved. */
    readonly expiresAt?: string,
  ) {
    const until = expiresAt === undefined ? "until it ends" : `until ${expiresAt}`;
    super(
      "CORTEX_SESSION_BUSY",
      `Session "${sessionId}" is held by run ${heldBy} ${until}; runs on one session never interleave — wait for it, or resolve its checkpoint`,
    );
  }
}

/**
 * `SessionStore.append` refused: the run no longer holds the session (its
 * lease expired and another run took it, or the session was deleted), or
 * the session changed since the run read it. Nothing was appended.
 */
export class SessionConflictError extends CortexError<"CORTEX_SESSION_CONFLICT"> {
  constructor(
    readonly sessionId: string,
    message: string,
  ) {
    super("CORTEX_SESSION_CONFLICT", `Session "${sessionId}": ${message}`);
  }
}

/**
 * An agent's tool pattern matches no action of the registry. Thrown by
 * `engine.run` and `engine.stream` before the run starts (at `createEngine`
 * it is a warning, since plugins may register later).
 */
export class NoMatchingToolsError extends CortexError<"CORTEX_NO_MATCHING_TOOLS"> {
  constructor(
    readonly agentId: string,
    /** The patterns that match nothing. */
    readonly patterns: readonly string[],
    /** The tools the registry does offer, `<plugin>__<action>`. */
    readonly available: readonly string[],
  ) {
    super("CORTEX_NO_MATCHING_TOOLS", noMatchMessage(agentId, patterns, available));
  }
}

/** The message of {@link NoMatchingToolsError}, also the warning `createEngine` logs. */
export function noMatchMessage(agentId: string, patterns: readonly string[], available: readonly string[]): string {
  const list = patterns.map((p) => `"${p}"`).join(", ");
  const shown = available.length === 0 ? "none: no plugin is registered yet" : available.slice(0, 50).join(", ");
  const more = available.length > 50 ? ` and ${available.length - 50} more` : "";
  return `Agent "${agentId}": tool pattern${patterns.length > 1 ? "s" : ""} ${list} match${patterns.length > 1 ? "" : "es"} no registered action; the tools that exist are ${shown}${more}`;
}

/** The engine was asked for something its run store or session store does not implement (an optional method). */
export class StoreUnsupportedError extends CortexError<"CORTEX_STORE_UNSUPPORTED"> {
  constructor(
    /** The method the store lacks, e.g. `RunStore.listPending`. */
    readonly method: string,
  ) {
    super("CORTEX_STORE_UNSUPPORTED", `The store does not implement ${method}, which this needs`);
  }
}

/**
 * The model's answer did not match the run's `output` schema, also after
 * `maxOutputRetries` corrections. In a failed run's `error`, with `issues`
 * and the last `answer` (also the run's `output`).
 */
export class OutputInvalidError extends CortexError<"CORTEX_OUTPUT_INVALID"> {
  constructor(
    /** The last answer, as the model gave it. */
    readonly answer: string,
    /** What is wrong with it, each at its JSON pointer. */
    readonly issues: { path: string; message: string }[],
    retries: number,
  ) {
    const first = issues[0];
    const what = first === undefined ? "" : `: ${first.path === "" ? "the answer" : first.path} ${first.message}`;
    super(
      "CORTEX_OUTPUT_INVALID",
      `The model's answer does not match the output schema${what} (${issues.length} problem${issues.length === 1 ? "" : "s"}, after ${retries} correction${retries === 1 ? "" : "s"})`,
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
