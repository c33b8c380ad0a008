export { createEngine, Engine } from "./engine/engine.js";
export { ENGINE_DEFAULTS } from "./engine/options.js";
export type {
  EngineOptions,
  ResumedRunResult,
  ResumeOptions,
  RunOptions,
  ShutdownOptions,
  ShutdownReport,
} from "./engine/options.js";
export { RunStream } from "./engine/run-stream.js";
export type { RunInput } from "./engine/run-plan.js";
export type { RunStreamEvent, RunStreamEventType, ToolResultEvent } from "./run/stream-events.js";
export type { AgentDefinition } from "./engine/agents.js";
export type { PersonaDefinition } from "./persona/persona.js";
export type { BehaviorAction, BehaviorDefinition, BehaviorTrigger } from "./persona/behaviors.js";
export type { CognitiveConfig, PhaseDefinition, PhaseTransition } from "./persona/phases.js";
export type { MindState } from "./persona/persona-runtime.js";
export { ORCHESTRATOR } from "./orchestration/spec.js";
export type { OrchestrationResult, OrchestrationSpec } from "./orchestration/spec.js";
export { HANDOFF_TOOL } from "./run/handoff.js";
export type {
  FinishReason,
  JsonSchema,
  ModelClient,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  ModelResponseFormat,
  ModelStreamPart,
  ModelToolCall,
  ModelUsage,
  ToolDefinition,
} from "@cortex/primitives";
export type { EngineApprovalRequest, EngineApprover } from "./approval/approver.js";
export type {
  Checkpoint,
  CheckpointDecision,
  HandoffLink,
  OrchestrationLink,
  PendingToolCall,
  RunBudget,
  RunFailure,
  RunResult,
  RunState,
  RunStatus,
  RunSummary,
  StructuredOutput,
} from "./run/run-state.js";
export { resultOf } from "./run/run-state.js";
export type { CallBegin, CallJournal, JournalCall } from "./run/call-journal.js";
export { isDurable } from "./run/progress.js";
export type { DurableRunStore } from "./run/progress.js";
export type { PausedRunRef, RunContextCarrier, RunRef, StartingRunRef } from "./run/run-context.js";
export { MemoryRunStore } from "./store/run-store.js";
export type { RunStore } from "./store/run-store.js";
export { JsonFileRunStore } from "./store/json-file-run-store.js";
export type { ListPendingOptions, PendingCheckpoint } from "./store/pending.js";
export type { Page, PageOptions } from "./store/pages.js";
export {
  leaseHolds,
  MemorySessionStore,
  sessionAfterAcquire,
  sessionAfterAppend,
  sessionSummary,
} from "./store/session-store.js";
export type {
  SessionAppend,
  SessionLease,
  SessionStore,
  SessionSummary,
  StoredSession,
} from "./store/session-store.js";
export { JsonFileSessionStore } from "./store/json-file-session-store.js";
export type {
  ParallelRecord,
  ParallelStore,
  ParallelStore as ParallelBook,
  ParallelUpdate,
  ParallelUpdateResult,
} from "./store/parallel-store.js";
export { MetricsExtension } from "./extensions/metrics.js";
export type { DurationSummary, MetricsSnapshot } from "./extensions/metrics.js";
export { AuditExtension } from "./extensions/audit.js";
export type { AuditRecorder } from "./extensions/audit.js";
export type { AuditEvent, AuditOutcome } from "./extensions/audit-records.js";
export { JsonLinesAuditRecorder, MemoryAuditRecorder, readAuditLog } from "./extensions/audit-recorders.js";
export type { AuditLog, JsonLinesAuditRecorderOptions } from "./extensions/audit-recorders.js";
export {
  AgentNotFoundError,
  CheckpointNotFoundError,
  CORE_ERRORS,
  DuplicateAgentError,
  EngineShutDownError,
  InvalidOrchestrationError,
  NoMatchingToolsError,
  OutputInvalidError,
  PersonaNotFoundError,
  RunError,
  SessionBusyError,
  SessionConflictError,
  StoreUnsupportedError,
} from "./errors.js";
export type { CoreErrorCode, RunErrorCode } from "./errors.js";
export { CortexError, InvalidOptionsError, isCortexError } from "@cortex/primitives";
export type { ErrorInfo } from "@cortex/primitives";
