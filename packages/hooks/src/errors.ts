import { CortexError, type CortexErrorOptions, type ErrorTable } from "@cortex/primitives";

/**
 * Every code this package throws, with the class that carries it. Codes
 * never change meaning; match on them, never on messages. Each one is
 * documented in `docs/errors.md`.
 */
export const HOOKS_ERRORS = {
  CORTEX_INVALID_EXTENSION: "InvalidExtensionError",
  CORTEX_DUPLICATE_EXTENSION: "DuplicateExtensionError",
  CORTEX_UNKNOWN_HOOK: "UnknownHookError",
  CORTEX_INVALID_HOOK_HANDLER: "InvalidHookHandlerError",
  CORTEX_INVALID_OPTIONS: "InvalidOptionsError",
} as const satisfies ErrorTable;

/** One of this package's error codes, see {@link HOOKS_ERRORS}. */
export type HooksErrorCode = keyof typeof HOOKS_ERRORS;

/** Where in an extension a registration problem was found. */
export interface ExtensionErrorDetails extends CortexErrorOptions {
  /** The extension's name, when it has a usable one. */
  readonly extension?: string;
  /** The offending property (for example `onRunStart`). */
  readonly property?: string;
}

/** Base of the errors `register` throws: names the extension and the member at fault. */
abstract class ExtensionError<C extends HooksErrorCode> extends CortexError<C> {
  /** The extension's name, when it has a usable one. */
  readonly extension: string | undefined;
  /** The offending property, when the problem is one property. */
  readonly property: string | undefined;

  constructor(code: C, message: string, details: ExtensionErrorDetails = {}) {
    super(code, message, details);
    this.extension = details.extension;
    this.property = details.property;
  }
}

/** Thrown by `register` when the value is not an object with a non-empty string `name`. */
export class InvalidExtensionError extends ExtensionError<"CORTEX_INVALID_EXTENSION"> {
  constructor(message: string, details?: ExtensionErrorDetails) {
    super("CORTEX_INVALID_EXTENSION", message, details);
  }
}

/** Thrown by `register` when an extension of the same name is already registered. */
export class DuplicateExtensionError extends ExtensionError<"CORTEX_DUPLICATE_EXTENSION"> {
  constructor(message: string, details?: ExtensionErrorDetails) {
    super("CORTEX_DUPLICATE_EXTENSION", message, details);
  }
}

/**
 * Thrown by `register` when an extension has an `on<Upper>…` member that is
 * no known hook, almost always a typo that would otherwise never fire.
 */
export class UnknownHookError extends ExtensionError<"CORTEX_UNKNOWN_HOOK"> {
  constructor(message: string, details?: ExtensionErrorDetails) {
    super("CORTEX_UNKNOWN_HOOK", message, details);
  }
}

/** Thrown by `register` when a known hook member (e.g. `onRunStarted`) is not a function. */
export class InvalidHookHandlerError extends ExtensionError<"CORTEX_INVALID_HOOK_HANDLER"> {
  constructor(message: string, details?: ExtensionErrorDetails) {
    super("CORTEX_INVALID_HOOK_HANDLER", message, details);
  }
}
