export { HookBus } from "./bus.js";
export { HOOKS_DEFAULTS } from "./options.js";
export type { HookBusOptions } from "./options.js";
export type { FlushReport, HookErrorCounts, PendingHook } from "./reports.js";
export {
  DuplicateExtensionError,
  HOOKS_ERRORS,
  InvalidExtensionError,
  InvalidHookHandlerError,
  UnknownHookError,
} from "./errors.js";
export type { ExtensionErrorDetails, HooksErrorCode } from "./errors.js";
export type { Extension, ExtensionHooks, HookHandler } from "./extension.js";
export { HOOK_METHOD_NAMES, HOOK_NAMES, hookMethodName } from "./hooks.js";
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
  ModelCallUsage,
  ModelCalledEvent,
  ModelCompletedEvent,
  ModelFailedEvent,
  OrchestrationCompletedEvent,
  OrchestrationStartedEvent,
  PersonaResolvedEvent,
  RunCompletedEvent,
  RunFailedEvent,
  RunEventOrder,
  RunStartedEvent,
  ShutdownEvent,
  StepCompletedEvent,
  StepStartedEvent,
  ToolCallIdentity,
  ToolCalledEvent,
  ToolCompletedEvent,
  ToolFailedEvent,
} from "./hooks.js";
// The error base, the options error `new HookBus` throws and the loggers its
// options take live in @cortex/primitives; re-exported so the bus's API is
// importable from here, as it always was.
export { CortexError, InvalidOptionsError, consoleLogger, isCortexError, silentLogger } from "@cortex/primitives";
export type { LogFields, Logger } from "@cortex/primitives";
