/**
 * What each code of a package's error table is carried by: the name of the
 * class thrown with it, or `"result"` for a code that only appears on a
 * failure result (`PluginResult.code`, a tool message) and is never thrown.
 * `docs/errors.md` is checked against these tables.
 */
export type ErrorTable = Readonly<Record<`CORTEX_${string}`, string>>;

/** The codes of this package, each with the class that carries it. */
export const PRIMITIVES_ERRORS = {
  CORTEX_INVALID_OPTIONS: "InvalidOptionsError",
  CORTEX_TIMEOUT: "TimeoutError",
  CORTEX_ABORTED: "AbortedError",
} as const satisfies ErrorTable;

/** A code of {@link PRIMITIVES_ERRORS}. */
export type PrimitivesErrorCode = keyof typeof PRIMITIVES_ERRORS;

// A registry symbol, so every copy of every Cortex package (ESM and CJS
// builds, several installed versions) brands and recognises the same key.
const BRAND: unique symbol = Symbol.for("cortex.error") as never;

/** Options every Cortex error accepts; `cause` is passed through to `Error`. */
export interface CortexErrorOptions {
  readonly cause?: unknown;
}

/**
 * Base of every error Cortex throws on purpose. Match on `code`, never on
 * the message. `name` is the concrete class's name, so a subclass is one
 * constructor. `x instanceof CortexError` holds for errors from any copy of
 * any Cortex package (a shared brand), and `instanceof` a subclass is the
 * ordinary prototype check. Generic over its code: each package narrows it
 * to the codes of its own table.
 */
export class CortexError<C extends string = string> extends Error {
  /** Stable machine-readable code, e.g. `CORTEX_PLUGIN_NOT_FOUND`; see `docs/errors.md`. */
  readonly code: C;

  constructor(code: C, message: string, options?: CortexErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Brand check for the base class; prototype check for subclasses. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === CortexError) return isCortexError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** True for an error thrown by any Cortex package, from whichever copy or version; its `code` is that package's. */
export function isCortexError(value: unknown): value is CortexError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [BRAND]?: unknown })[BRAND] === true &&
    typeof (value as { code?: unknown }).code === "string"
  );
}

/**
 * An option given to a Cortex constructor or call is unusable (a timeout
 * that is not a number > 0, a logger without its methods, an agent without
 * an id…). Thrown before any work starts; `option` names the option.
 */
export class InvalidOptionsError extends CortexError<"CORTEX_INVALID_OPTIONS"> {
  constructor(
    /** The option at fault, e.g. `"timeoutMs"` or `"agents[2].id"`. */
    readonly option: string,
    message: string,
    options?: CortexErrorOptions,
  ) {
    super("CORTEX_INVALID_OPTIONS", message, options);
  }
}

/** Work given to `withDeadline` did not settle within `timeoutMs`. */
export class TimeoutError extends CortexError<"CORTEX_TIMEOUT"> {
  constructor(
    readonly timeoutMs: number,
    message = `did not finish within ${timeoutMs} ms`,
  ) {
    super("CORTEX_TIMEOUT", message);
  }
}

/** The caller's signal aborted work given to `withDeadline`; `cause` is the signal's reason. */
export class AbortedError extends CortexError<"CORTEX_ABORTED"> {
  constructor(reason?: unknown, message = `aborted: ${reasonText(reason)}`) {
    super("CORTEX_ABORTED", message, { cause: reason });
  }
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === "string" ? reason : "no reason given";
}

/** A human-readable message for anything thrown: an error's message, a string as is, anything else as JSON. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** The plain-data form of an error: what run state stores, a model is shown and a hook event carries. */
export interface ErrorInfo {
  code: string;
  message: string;
  /** Every problem with its JSON pointer, for a validation error. */
  issues?: { path: string; message: string }[];
}

/** Turns anything thrown into {@link ErrorInfo}, keeping a Cortex code and issues when there are; otherwise `fallbackCode`. */
export function toErrorInfo(error: unknown, fallbackCode = "CORTEX_INTERNAL"): ErrorInfo {
  if (isCortexError(error)) {
    const info: ErrorInfo = { code: error.code, message: error.message };
    const issues = (error as { issues?: unknown }).issues;
    if (Array.isArray(issues)) info.issues = issues as ErrorInfo["issues"];
    return info;
  }
  return { code: fallbackCode, message: messageOf(error) };
}
