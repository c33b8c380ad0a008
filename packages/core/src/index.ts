export { createEngine, Engine } from "./engine.js";
export type { EngineOptions, RunOptions, ShutdownOptions, ShutdownReport } from "./engine.js";
export type { AgentDefinition } from "./agent.js";
export type { ModelClient, ModelMessage, ModelRequest, ModelResponse, ModelToolCall, ToolDefinition, JsonSchema } from "./model.js";
export type { EngineApprovalRequest, EngineApprover } from "./run-loop.js";
export type { Checkpoint, CheckpointDecision, PendingToolCall, RunResult, RunState, RunStatus } from "./run-state.js";
export { JsonFileRunStore, MemoryRunStore } from "./run-store.js";
export type { RunStore } from "./run-store.js";
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
  CheckpointNotFoundError,
  RunError,
  isCortexError,
} from "./errors.js";
export type { CoreErrorCode, ErrorInfo } from "./errors.js";
