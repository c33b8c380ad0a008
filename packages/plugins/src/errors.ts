import type { ApprovalRequest } from "./approval.js";
import type { ValidationIssue } from "./validation.js";

/**
 * Every code this package uses, thrown or set on a failure result. Closed:
 * `docs/errors.md` lists each one, and a test fails when one is missing.
 */
export const PLUGIN_ERROR_CODES = [
  "CORTEX_PLUGIN_NOT_FOUND",
  "CORTEX_ACTION_NOT_FOUND",
  "CORTEX_PLUGIN_NOT_READY",
  "CORTEX_VALIDATION_FAILED",
  "CORTEX_APPROVAL_REQUIRED",
  "CORTEX_APPROVAL_DENIED",
  "CORTEX_FORBIDDEN",
  "CORTEX_INVALID_PLUGIN",
  "CORTEX_DUPLICATE_PLUGIN",
  "CORTEX_INVALID_SCHEMA",
  "CORTEX_CREDENTIAL_MISSING",
  "CORTEX_REGISTRY_CLOSED",
  "CORTEX_TIMEOUT",
  "CORTEX_TEARDOWN_FAILED",
  "CORTEX_PLUGIN_ERROR",
  "CORTEX_PLUGIN_TIMEOUT",
  "CORTEX_ABORTED",
  "CORTEX_INVALID_RESULT",
  "CORTEX_DISCOVERY_FAILED",
  "CORTEX_INVALID_SPECIFIER",
  "CORTEX_PLUGIN_LOAD_FAILED",
  "CORTEX_PLUGIN_NAME_MISMATCH",
  "CORTEX_INVALID_OPTIONS",
] as const;

/** A code from {@link PLUGIN_ERROR_CODES}. */
export type PluginErrorCode = (typeof PLUGIN_ERROR_CODES)[number];

/**
 * Codes of this package (a closed union). Errors branded by other Cortex
 * packages still pass `isCortexError`; their codes are their packages' own.
 */
export type CortexErrorCode = PluginErrorCode;

/** Codes the registry puts on failure results instead of throwing. */
export type FailureCode = Extract<
  PluginErrorCode,
  "CORTEX_PLUGIN_ERROR" | "CORTEX_PLUGIN_TIMEOUT" | "CORTEX_ABORTED" | "CORTEX_INVALID_RESULT"
>;

// A registry symbol, so every copy of every Cortex package (ESM and CJS
// builds, other packages' own bases) brands and recognises the same key.
const BRAND: unique symbol = Symbol.for("cortex.error") as never;

/** True for any Cortex error, from whichever copy or package it came; its `code` is any package's code. */
export function isCortexError(value: unknown): value is CortexError<string> {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [BRAND]?: unknown })[BRAND] === true &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

/**
 * Base of every error Cortex throws on purpose. Match on `code`. `instanceof
 * CortexError` is true for branded errors from any copy of the package
 * (dual-package hazard); `instanceof` a subclass is the ordinary check.
 * Generic over its code: other Cortex packages extend it as
 * `CortexError<TheirCode>` with their own closed code union.
 */
export class CortexError<C extends string = PluginErrorCode> extends Error {
  /** Stable machine-readable code, e.g. `CORTEX_PLUGIN_NOT_FOUND`. */
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "CortexError";
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Brand check for the base class; prototype check for subclasses. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === CortexError) return isCortexError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** `execute`/`health` named a plugin that is not registered. */
export class PluginNotFoundError extends CortexError {
  declare readonly code: "CORTEX_PLUGIN_NOT_FOUND";
  constructor(readonly plugin: string) {
    super("CORTEX_PLUGIN_NOT_FOUND", `plugin "${plugin}" is not registered`);
    this.name = "PluginNotFoundError";
  }
}

/** `execute` named an action the plugin does not list. */
export class ActionNotFoundError extends CortexError {
  declare readonly code: "CORTEX_ACTION_NOT_FOUND";
  constructor(
    readonly plugin: string,
    readonly action: string,
    readonly available: readonly string[],
  ) {
    super(
      "CORTEX_ACTION_NOT_FOUND",
      `plugin "${plugin}" has no action "${action}" (actions: ${available.join(", ") || "none"})`,
    );
    this.name = "ActionNotFoundError";
  }
}

/** The plugin's `setup` failed (the setup error is `cause`). */
export class PluginNotReadyError extends CortexError {
  declare readonly code: "CORTEX_PLUGIN_NOT_READY";
  constructor(
    readonly plugin: string,
    message: string,
    cause: unknown,
  ) {
    super("CORTEX_PLUGIN_NOT_READY", message, { cause });
    this.name = "PluginNotReadyError";
  }
}

/** Params are not a plain object, or break the action's schema; `issues` lists every problem. */
export class ValidationError extends CortexError {
  declare readonly code: "CORTEX_VALIDATION_FAILED";
  constructor(
    readonly plugin: string,
    readonly action: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    const list = issues.map((i) => `${i.path || "(params)"}: ${i.message}`).join("; ");
    super("CORTEX_VALIDATION_FAILED", `invalid parameters for "${plugin}.${action}": ${list}`);
    this.name = "ValidationError";
  }
}

/** A CONFIRM/ADMIN call came with no matching approval and no approver; carries the `request` to approve. */
export class ApprovalRequiredError extends CortexError {
  declare readonly code: "CORTEX_APPROVAL_REQUIRED";
  constructor(
    readonly request: ApprovalRequest,
    detail = "",
  ) {
    super(
      "CORTEX_APPROVAL_REQUIRED",
      `"${request.plugin}.${request.action}" (${request.tier}) requires approval ${request.id}${detail}`,
    );
    this.name = "ApprovalRequiredError";
  }
}

/** The approval was denied, or the approver failed or did not answer in time. */
export class ApprovalDeniedError extends CortexError {
  declare readonly code: "CORTEX_APPROVAL_DENIED";
  constructor(
    readonly request: ApprovalRequest,
    readonly reason?: string,
    readonly decidedBy?: string,
    cause?: unknown,
  ) {
    super(
      "CORTEX_APPROVAL_DENIED",
      `"${request.plugin}.${request.action}" was denied${decidedBy ? ` by ${decidedBy}` : ""}${reason ? `: ${reason}` : ""}`,
      { cause },
    );
    this.name = "ApprovalDeniedError";
  }
}

/** An ADMIN call had no principal, or the authorize policy refused it. */
export class ForbiddenError extends CortexError {
  declare readonly code: "CORTEX_FORBIDDEN";
  constructor(
    readonly request: ApprovalRequest,
    readonly principalId: string | undefined,
    detail: string,
    cause?: unknown,
  ) {
    super("CORTEX_FORBIDDEN", `"${request.plugin}.${request.action}" (ADMIN) is forbidden: ${detail}`, { cause });
    this.name = "ForbiddenError";
  }
}

/** `register` got something that is not a valid plugin. */
export class InvalidPluginError extends CortexError {
  declare readonly code: "CORTEX_INVALID_PLUGIN";
  constructor(
    readonly plugin: string | undefined,
    detail: string,
    cause?: unknown,
  ) {
    super("CORTEX_INVALID_PLUGIN", `invalid plugin${plugin ? ` "${plugin}"` : ""}: ${detail}`, { cause });
    this.name = "InvalidPluginError";
  }
}

/** A plugin with this name is already registered. */
export class DuplicatePluginError extends CortexError {
  declare readonly code: "CORTEX_DUPLICATE_PLUGIN";
  constructor(readonly plugin: string) {
    super("CORTEX_DUPLICATE_PLUGIN", `a plugin named "${plugin}" is already registered`);
    this.name = "DuplicatePluginError";
  }
}

/** An action's `parameters` schema does not compile. */
export class InvalidSchemaError extends CortexError {
  declare readonly code: "CORTEX_INVALID_SCHEMA";
  constructor(
    readonly plugin: string,
    readonly action: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("CORTEX_INVALID_SCHEMA", `schema of "${plugin}.${action}" does not compile: ${why}`, { cause });
    this.name = "InvalidSchemaError";
  }
}

/** A broker has no value for the key. */
export class CredentialMissingError extends CortexError {
  declare readonly code: "CORTEX_CREDENTIAL_MISSING";
  constructor(
    readonly key: string,
    detail = "",
  ) {
    super("CORTEX_CREDENTIAL_MISSING", `credential "${key}" is missing${detail}`);
    this.name = "CredentialMissingError";
  }
}

/** The registry is shutting down or shut down. */
export class RegistryClosedError extends CortexError {
  declare readonly code: "CORTEX_REGISTRY_CLOSED";
  constructor(operation: string) {
    super("CORTEX_REGISTRY_CLOSED", `the plugin registry is shut down; cannot ${operation}`);
    this.name = "RegistryClosedError";
  }
}

/** A plugin's setup, health check or teardown did not finish in time. */
export class OperationTimeoutError extends CortexError {
  declare readonly code: "CORTEX_TIMEOUT";
  constructor(
    readonly plugin: string,
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super("CORTEX_TIMEOUT", `plugin "${plugin}" ${operation} did not finish within ${timeoutMs} ms`);
    this.name = "OperationTimeoutError";
  }
}

/** A plugin's teardown threw or timed out during shutdown (collected in the shutdown report). */
export class TeardownError extends CortexError {
  declare readonly code: "CORTEX_TEARDOWN_FAILED";
  constructor(
    readonly plugin: string,
    message: string,
    cause: unknown,
  ) {
    super("CORTEX_TEARDOWN_FAILED", `teardown of plugin "${plugin}" failed: ${message}`, { cause });
    this.name = "TeardownError";
  }
}

/** Codes a discovery failure can carry. */
export type DiscoveryErrorCode = Extract<
  PluginErrorCode,
  "CORTEX_DISCOVERY_FAILED" | "CORTEX_INVALID_SPECIFIER" | "CORTEX_PLUGIN_LOAD_FAILED" | "CORTEX_PLUGIN_NAME_MISMATCH"
>;

/** A package could not be read, its `cortex.plugins` entry is bad, or its plugin failed to load. */
export class DiscoveryError extends CortexError {
  declare readonly code: DiscoveryErrorCode;
  constructor(
    code: DiscoveryErrorCode,
    readonly packageName: string,
    message: string,
    cause?: unknown,
  ) {
    super(code, `package "${packageName}": ${message}`, cause === undefined ? undefined : { cause });
    this.name = "DiscoveryError";
  }
}
