/**
 * Every code this package throws. Codes never change meaning; match on them,
 * never on messages. Each one is documented in `docs/errors.md`.
 */
export const HOOKS_ERROR_CODES = [
  "CORTEX_INVALID_EXTENSION",
  "CORTEX_DUPLICATE_EXTENSION",
  "CORTEX_UNKNOWN_HOOK",
  "CORTEX_INVALID_HOOK_HANDLER",
  "CORTEX_INVALID_OPTIONS",
] as const;

/** One of this package's error codes, see {@link HOOKS_ERROR_CODES}. */
export type HooksErrorCode = (typeof HOOKS_ERROR_CODES)[number];

/**
 * Shared by every Cortex package (and by the ESM and CJS copies of each), so
 * `instanceof CortexError` holds across copies that do not share prototypes.
 */
const CORTEX_ERROR_BRAND: unique symbol = Symbol.for("cortex.error");

/** Options every Cortex error accepts; `cause` is passed through to `Error`. */
export interface CortexErrorOptions {
  readonly cause?: unknown;
}

/**
 * Base of every error Cortex throws on purpose. `x instanceof CortexError`
 * is true for errors from any copy of any Cortex package (they carry the
 * `Symbol.for("cortex.error")` brand); such a foreign error's `code` comes
 * from its own package's list, so read it as a string unless you know its origin.
 * `instanceof` a subclass keeps the ordinary prototype check.
 */
export class CortexError extends Error {
  /** Stable machine-readable code; see `docs/errors.md`. */
  readonly code: HooksErrorCode;

  constructor(code: HooksErrorCode, message: string, options?: CortexErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = "CortexError";
    Object.defineProperty(this, CORTEX_ERROR_BRAND, { value: true });
  }

  /** Brand check on the base class, prototype check on subclasses. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === CortexError) return isCortexError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/**
 * True for an error thrown by any Cortex package copy, whichever module
 * format or version it came from. Narrows to an object with a string `code`.
 */
export function isCortexError(value: unknown): value is Error & { readonly code: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [CORTEX_ERROR_BRAND]?: unknown })[CORTEX_ERROR_BRAND] === true
  );
}

/** Where in an extension a registration problem was found. */
export interface ExtensionErrorDetails extends CortexErrorOptions {
  /** The extension's name, when it has a usable one. */
  readonly extension?: string;
  /** The offending property (for example `onRunStart`). */
  readonly property?: string;
}

abstract class ExtensionError extends CortexError {
  /** The extension's name, when it has a usable one. */
  readonly extension: string | undefined;
  /** The offending property, when the problem is one property. */
  readonly property: string | undefined;

  constructor(code: HooksErrorCode, message: string, details: ExtensionErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.extension = details.extension;
    this.property = details.property;
  }
}

/** Thrown by `register` when the value is not an object with a non-empty string `name`. */
export class InvalidExtensionError extends ExtensionError {
  override readonly code = "CORTEX_INVALID_EXTENSION";
  constructor(message: string, details?: ExtensionErrorDetails) {
    super("CORTEX_INVALID_EXTENSION", message, details);
    this.name = "InvalidExtensionError";
  }
}

/** Thrown by `register` when an extension of the same name is already registered. */
export class DuplicateExtensionError extends ExtensionError {
  override readonly code = "CORTEX_DUPLICATE_EXTENSION";
  constructor(message: string, details?: ExtensionErrorDetails) {
    super("CORTEX_DUPLICATE_EXTENSION", message, details);
    this.name = "DuplicateExtensionError";
  }
}

/**
 * Thrown by `register` when an extension has an `on<Upper>…` member that is
 * no known hook, almost always a typo that would otherwise never fire.
 */
export class UnknownHookError extends ExtensionError {
  override readonly code = "CORTEX_UNKNOWN_HOOK";
  constructor(message: string, details?: ExtensionErrorDetails) {
    super("CORTEX_UNKNOWN_HOOK", message, details);
    this.name = "UnknownHookError";
  }
}

/** Thrown by `register` when a known hook member (e.g. `onRunStarted`) is not a function. */
export class InvalidHookHandlerError extends ExtensionError {
  override readonly code = "CORTEX_INVALID_HOOK_HANDLER";
  constructor(message: string, details?: ExtensionErrorDetails) {
    super("CORTEX_INVALID_HOOK_HANDLER", message, details);
    this.name = "InvalidHookHandlerError";
  }
}

/** Thrown by the `HookBus` constructor for an unusable option. */
export class InvalidOptionsError extends CortexError {
  override readonly code = "CORTEX_INVALID_OPTIONS";
  /** The option at fault. */
  readonly option: string;
  constructor(option: string, message: string) {
    super("CORTEX_INVALID_OPTIONS", message);
    this.option = option;
    this.name = "InvalidOptionsError";
  }
}
