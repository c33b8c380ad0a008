export { createEngine, Engine } from "./engine.js";
export type { EngineOptions, ResumedRunResult, RunOptions, ShutdownOptions, ShutdownReport } from "./engine-options.js";
export type { AgentDefinition } from "./agent.js";
export type { PersonaDefinition } from "./persona.js";
export type { BehaviorAction, BehaviorDefinition, BehaviorTrigger } from "./behaviors.js";
export type { CognitiveConfig, PhaseDefinition, PhaseTransition } from "./phases.js";
export type { MindState } from "./mind.js";
export { ORCHESTRATOR } from "./orchestration.js";
export type { OrchestrationResult, OrchestrationSpec } from "./orchestration.js";
export { HANDOFF_TOOL } from "./handoff.js";
export type {
  ModelClient,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  ModelToolCall,
  ToolDefinition,
  JsonSchema,
} from "./model.js";
export type { EngineApprovalRequest, EngineApprover } from "./checkpoints.js";
export type {
  Checkpoint,
  CheckpointDecision,
  OrchestrationLink,
  PendingToolCall,
  RunResult,
  RunState,
  RunStatus,
  RunSummary,
} from "./run-state.js";
export { JsonFileRunStore, MemoryRunStore } from "./run-store.js";
export type { RunStore } from "./run-store.js";
export type { ParallelBook, ParallelRecord, ParallelUpdate, ParallelUpdateResult } from "./parallel-book.js";
export { TOOL_SEPARATOR, compileToolFilter, parseToolName, toolName } from "./tools.js";
export { MetricsExtension } from "./metrics.js";
export type { DurationSummary, MetricsSnapshot } from "./metrics.js";
export { AuditExtension, JsonLinesAuditRecorder, MemoryAuditRecorder } from "./audit.js";
export type { AuditEvent, AuditOutcome, AuditRecorder } from "./audit.js";
export {
  AgentNotFoundError,
  CORE_ERROR_CODES,
  CortexError,
  DuplicateAgentError,
  EngineShutDownError,
  InvalidAgentError,
  InvalidOrchestrationError,
  CheckpointNotFoundError,
  PersonaNotFoundError,
  RunError,
  isCortexError,
} from "./errors.js";
export type { CoreErrorCode, ErrorInfo } from "./errors.js";
