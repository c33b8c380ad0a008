export { ActionTier, PluginHealthStatus, PluginState } from "./models.js";
export type {
  ActionContext,
  Awaitable,
  CredentialBroker,
  CredentialOptions,
  JsonSchema,
  Plugin,
  PluginActionInfo,
  PluginHealthReport,
  PluginResult,
  Principal,
} from "./models.js";
export {
  PLUGINS_ERRORS,
  ActionNotFoundError,
  ApprovalDeniedError,
  ApprovalRequiredError,
  CredentialMissingError,
  DiscoveryError,
  DuplicatePluginError,
  ForbiddenError,
  InvalidPluginError,
  InvalidSchemaError,
  OperationTimeoutError,
  PluginNotFoundError,
  PluginNotReadyError,
  RegistryClosedError,
  TeardownError,
  ValidationError,
} from "./errors.js";
export type { DiscoveryErrorCode, FailureCode, PluginErrorCode } from "./errors.js";
export { CortexError, InvalidOptionsError, consoleLogger, isCortexError, silentLogger } from "@cortex/primitives";
export type { Logger } from "@cortex/primitives";
export { EnvBroker, MemoryBroker } from "./brokers.js";
export type { EnvBrokerOptions } from "./brokers.js";
export type { ValidationIssue } from "./validation.js";
export { approvalId, canonicalJson, defaultAuthorize } from "./approval.js";
export type { Approval, ApprovalDecision, ApprovalRequest, Approver, AuthorizePolicy } from "./approval.js";
export { REDACTED } from "./redact.js";
export { ACTION_NAME_PATTERN, PLUGIN_NAME_PATTERN } from "./registration.js";
export type { RegisteredAction } from "./registration.js";
export { PluginRegistry } from "./registry.js";
export { REGISTRY_DEFAULTS } from "./options.js";
export type { ExecuteOptions, PluginRegistryOptions, RegistryHealth, SetupReport } from "./options.js";
export type { ShutdownReport } from "./lifecycle.js";
export { discoverPlugins } from "./discovery.js";
export type {
  DependencyField,
  DiscoveredPlugin,
  DiscoveryOptions,
  DiscoveryReport,
  DiscoveryResult,
} from "./discovery.js";
