export { HookBus, DEFAULT_FLUSH_TIMEOUT_MS } from "./bus.js";
export type { FlushReport, HookBusOptions, HookErrorCounts, PendingHook } from "./bus.js";
export {
  CortexError,
  DuplicateExtensionError,
  HOOKS_ERROR_CODES,
  InvalidExtensionError,
  InvalidHookHandlerError,
  InvalidOptionsError,
  UnknownHookError,
  isCortexError,
} from "./errors.js";
export type { CortexErrorOptions, ExtensionErrorDetails, HooksErrorCode } from "./errors.js";
export { validateExtension } from "./extension.js";
export type { Extension, ExtensionHooks, HookBinding, HookHandler, ValidatedExtension } from "./extension.js";
export { HOOK_METHOD_NAMES, HOOK_NAMES, hookForMethod, hookMethodName, isHookName } from "./hooks.js";
export type {
  AgentHandoffEvent,
  ApprovalDecision,
  BehaviorTriggeredEvent,
  CheckpointCreatedEvent,
  CheckpointResolvedEvent,
  CognitivePhaseChangedEvent,
  HookEvent,
  HookEventMap,
  HookMethodName,
  HookName,
  OrchestrationCompletedEvent,
  OrchestrationStartedEvent,
  PersonaResolvedEvent,
  RunCompletedEvent,
  RunFailedEvent,
  RunStartedEvent,
  ShutdownEvent,
  StepCompletedEvent,
  StepStartedEvent,
  ToolCalledEvent,
  ToolCompletedEvent,
  ToolFailedEvent,
} from "./hooks.js";
export { consoleLogger, silentLogger } from "./logger.js";
export type { LogFields, Logger } from "./logger.js";
