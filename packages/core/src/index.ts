export { createEngine, Engine } from "./engine/engine.js";
export { ENGINE_DEFAULTS } from "./engine/options.js";
export type { EngineOptions, ResumedRunResult, RunOptions, ShutdownOptions, ShutdownReport } from "./engine/options.js";
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
  RunResult,
  RunState,
  RunStatus,
  RunSummary,
} from "./run/run-state.js";
export { MemoryRunStore } from "./store/run-store.js";
export type { RunStore } from "./store/run-store.js";
export { JsonFileRunStore } from "./store/json-file-run-store.js";
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
export type { AuditLog } from "./extensions/audit-recorders.js";
export {
  AgentNotFoundError,
  CheckpointNotFoundError,
  CORE_ERRORS,
  DuplicateAgentError,
  EngineShutDownError,
  InvalidOrchestrationError,
  PersonaNotFoundError,
  RunError,
} from "./errors.js";
export type { CoreErrorCode, RunErrorCode } from "./errors.js";
export { CortexError, InvalidOptionsError, isCortexError } from "@cortex/primitives";
export type { ErrorInfo } from "@cortex/primitives";
