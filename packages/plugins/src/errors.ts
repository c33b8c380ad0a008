import { CortexError, messageOf, TimeoutError, type ErrorTable } from "@cortex/primitives";
import type { ApprovalRequest } from "./approval.js";
import type { ValidationIssue } from "./validation.js";

/**
 * Every code this package uses, with the class thrown with it, or `"result"`
 * for a code only ever set on a failure result (`PluginResult.code`).
 * `docs/errors.md` is checked against this table.
 */
export const PLUGINS_ERRORS = {
  CORTEX_PLUGIN_NOT_FOUND: "PluginNotFoundError",
  CORTEX_ACTION_NOT_FOUND: "ActionNotFoundError",
  CORTEX_PLUGIN_NOT_READY: "PluginNotReadyError",
  CORTEX_VALIDATION_FAILED: "ValidationError",
  CORTEX_APPROVAL_REQUIRED: "ApprovalRequiredError",
  CORTEX_APPROVAL_DENIED: "ApprovalDeniedError",
  CORTEX_FORBIDDEN: "ForbiddenError",
  CORTEX_INVALID_PLUGIN: "InvalidPluginError",
  CORTEX_DUPLICATE_PLUGIN: "DuplicatePluginError",
  CORTEX_INVALID_SCHEMA: "InvalidSchemaError",
  CORTEX_CREDENTIAL_MISSING: "CredentialMissingError",
  CORTEX_REGISTRY_CLOSED: "RegistryClosedError",
  CORTEX_INVALID_OPTIONS: "InvalidOptionsError",
  CORTEX_TIMEOUT: "OperationTimeoutError",
  CORTEX_TEARDOWN_FAILED: "TeardownError",
  CORTEX_PLUGIN_ERROR: "result",
  CORTEX_PLUGIN_TIMEOUT: "result",
  CORTEX_ABORTED: "result",
  CORTEX_INVALID_RESULT: "result",
  CORTEX_DISCOVERY_FAILED: "DiscoveryError",
  CORTEX_INVALID_SPECIFIER: "DiscoveryError",
  CORTEX_PLUGIN_LOAD_FAILED: "DiscoveryError",
  CORTEX_PLUGIN_NAME_MISMATCH: "DiscoveryError",
} as const satisfies ErrorTable;

/** A code of {@link PLUGINS_ERRORS}. */
export type PluginErrorCode = keyof typeof PLUGINS_ERRORS;

/** Codes the registry puts on failure results instead of throwing. */
export type FailureCode = {
  [C in PluginErrorCode]: (typeof PLUGINS_ERRORS)[C] extends "result" ? C : never;
}[PluginErrorCode];

/** Codes a discovery failure can carry. */
export type DiscoveryErrorCode = {
  [C in PluginErrorCode]: (typeof PLUGINS_ERRORS)[C] extends "DiscoveryError" ? C : never;
}[PluginErrorCode];

/** `execute`/`health` named a plugin that is not registered. */
export class PluginNotFoundError extends CortexError<"CORTEX_PLUGIN_NOT_FOUND"> {
  constructor(readonly plugin: string) {
    super("CORTEX_PLUGIN_NOT_FOUND", `plugin "${plugin}" is not registered`);
  }
}

/** `execute` named an action the plugin does not list; `available` holds those it does. */
export class ActionNotFoundError extends CortexError<"CORTEX_ACTION_NOT_FOUND"> {
  constructor(
    readonly plugin: string,
    readonly action: string,
    readonly available: readonly string[],
  ) {
    const list = available.join(", ") || "none";
    super("CORTEX_ACTION_NOT_FOUND", `plugin "${plugin}" has no action "${action}" (actions: ${list})`);
  }
}

/** The plugin's `setup` failed; `cause` is the setup error. */
export class PluginNotReadyError extends CortexError<"CORTEX_PLUGIN_NOT_READY"> {
  constructor(
    readonly plugin: string,
    message: string,
    cause: unknown,
  ) {
    super("CORTEX_PLUGIN_NOT_READY", message, { cause });
  }
}

/** Params are not JSON data in a plain object, or break the action's schema; `issues` lists every problem. */
export class ValidationError extends CortexError<"CORTEX_VALIDATION_FAILED"> {
  constructor(
    readonly plugin: string,
    readonly action: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    const list = issues.map((i) => `${i.path || "(params)"}: ${i.message}`).join("; ");
    super("CORTEX_VALIDATION_FAILED", `invalid parameters for "${plugin}.${action}": ${list}`);
  }
}

/** A CONFIRM/ADMIN call came with no matching approval and no approver; carries the `request` to approve. */
export class ApprovalRequiredError extends CortexError<"CORTEX_APPROVAL_REQUIRED"> {
  constructor(
    readonly request: ApprovalRequest,
    detail = "",
  ) {
    const call = `"${request.plugin}.${request.action}" (${request.tier})`;
    super("CORTEX_APPROVAL_REQUIRED", `${call} requires approval ${request.id}${detail}`);
  }
}

/** The approval was denied, or the approver failed or did not answer in time. */
export class ApprovalDeniedError extends CortexError<"CORTEX_APPROVAL_DENIED"> {
  constructor(
    readonly request: ApprovalRequest,
    readonly reason?: string,
    readonly decidedBy?: string,
    cause?: unknown,
  ) {
    const by = decidedBy ? ` by ${decidedBy}` : "";
    const why = reason ? `: ${reason}` : "";
    super("CORTEX_APPROVAL_DENIED", `"${request.plugin}.${request.action}" was denied${by}${why}`, { cause });
  }
}

/** An ADMIN call had no principal, or the authorize policy refused it or failed. */
export class ForbiddenError extends CortexError<"CORTEX_FORBIDDEN"> {
  constructor(
    readonly request: ApprovalRequest,
    readonly principalId: string | undefined,
    detail: string,
    cause?: unknown,
  ) {
    super("CORTEX_FORBIDDEN", `"${request.plugin}.${request.action}" (ADMIN) is forbidden: ${detail}`, { cause });
  }
}

/** `register` got something that is not a valid plugin. */
export class InvalidPluginError extends CortexError<"CORTEX_INVALID_PLUGIN"> {
  constructor(
    readonly plugin: string | undefined,
    detail: string,
    cause?: unknown,
  ) {
    super("CORTEX_INVALID_PLUGIN", `invalid plugin${plugin ? ` "${plugin}"` : ""}: ${detail}`, { cause });
  }
}

/** A plugin with this name is already registered. */
export class DuplicatePluginError extends CortexError<"CORTEX_DUPLICATE_PLUGIN"> {
  constructor(readonly plugin: string) {
    super("CORTEX_DUPLICATE_PLUGIN", `a plugin named "${plugin}" is already registered`);
  }
}

/** An action's `parameters` schema is not an object, does not compile, or cannot be checked synchronously. */
export class InvalidSchemaError extends CortexError<"CORTEX_INVALID_SCHEMA"> {
  constructor(
    readonly plugin: string,
    readonly action: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("CORTEX_INVALID_SCHEMA", `schema of "${plugin}.${action}" does not compile: ${why}`, { cause });
  }
}

/** A broker has no value for the key. */
export class CredentialMissingError extends CortexError<"CORTEX_CREDENTIAL_MISSING"> {
  constructor(
    readonly key: string,
    detail = "",
  ) {
    super("CORTEX_CREDENTIAL_MISSING", `credential "${key}" is missing${detail}`);
  }
}

/** The registry is shutting down or shut down. */
export class RegistryClosedError extends CortexError<"CORTEX_REGISTRY_CLOSED"> {
  constructor(operation: string) {
    super("CORTEX_REGISTRY_CLOSED", `the plugin registry is shut down; cannot ${operation}`);
  }
}

/** A plugin's setup, health check or teardown did not finish within its limit. */
export class OperationTimeoutError extends TimeoutError {
  constructor(
    readonly plugin: string,
    readonly operation: string,
    timeoutMs: number,
  ) {
    super(timeoutMs, `plugin "${plugin}" ${operation} did not finish within ${timeoutMs} ms`);
  }
}

/** A plugin's teardown threw or timed out during shutdown (collected in the shutdown report). */
export class TeardownError extends CortexError<"CORTEX_TEARDOWN_FAILED"> {
  constructor(
    readonly plugin: string,
    message: string,
    cause: unknown,
  ) {
    super("CORTEX_TEARDOWN_FAILED", `teardown of plugin "${plugin}" failed: ${message}`, { cause });
  }
}

/** A package could not be read, its `cortex.plugins` entry is bad, or its plugin failed to load. */
export class DiscoveryError extends CortexError<DiscoveryErrorCode> {
  constructor(
    code: DiscoveryErrorCode,
    readonly packageName: string,
    message: string,
    cause?: unknown,
  ) {
    super(code, `package "${packageName}": ${message}`, { cause });
  }
}

/** `messageOf(error)`, or a stand-in when reading the error throws too (a getter, a proxy). */
export function messageText(error: unknown): string {
  try {
    return messageOf(error);
  } catch {
    return "a value that could not be read";
  }
}
