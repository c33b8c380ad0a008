const BRAND = Symbol.for("cortex.error");

/** Every code `@cortex/model-openai` throws. Each is listed in `docs/errors.md`. */
export const MODEL_ERROR_CODES = [
  "CORTEX_MODEL_CONFIG",
  "CORTEX_MODEL_HTTP_ERROR",
  "CORTEX_MODEL_TIMEOUT",
  "CORTEX_MODEL_CONNECTION_ERROR",
  "CORTEX_MODEL_ABORTED",
  "CORTEX_MODEL_BAD_RESPONSE",
  "CORTEX_MODEL_REFUSED",
  "CORTEX_MODEL_REQUEST_FAILED",
] as const;

/** A closed union of `@cortex/model-openai` error codes. */
export type ModelErrorCode = (typeof MODEL_ERROR_CODES)[number];

/**
 * Base of every error this package throws. `instanceof` also recognises
 * errors from other Cortex packages (and from the other module format of
 * this one): all carry the `cortex.error` brand.
 */
export class CortexError extends Error {
  declare readonly [BRAND]: true;
  /** Stable machine-readable code; match on this, not on the message. */
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === CortexError) return isCortexError(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** True for an error thrown by any Cortex package (branded, any module copy). */
export function isCortexError(value: unknown): value is Error & { code: string } {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The adapter's options or environment are missing or invalid; thrown when it is created, before any request. */
export class ModelConfigError extends CortexError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_CONFIG", message, options);
  }
}

/** The model server answered with an HTTP error status (after the client's retries). */
export class ModelHttpError extends CortexError {
  /** The HTTP status the server answered with. */
  readonly status: number;
  /** True for statuses worth trying again later (408, 409, 429, 5xx). */
  readonly retryable: boolean;
  /** The provider's request id (`x-request-id`), when it sent one. */
  readonly requestId: string | undefined;

  constructor(status: number, message: string, options?: { cause?: unknown; requestId?: string | undefined }) {
    super("CORTEX_MODEL_HTTP_ERROR", message, options);
    this.status = status;
    this.retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    this.requestId = options?.requestId;
  }
}

/** The model server did not answer within `timeoutMs` (on the last attempt). */
export class ModelTimeoutError extends CortexError {
  constructor(readonly timeoutMs: number, message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_TIMEOUT", message, options);
  }
}

/** The model server could not be reached: refused connection, DNS failure, reset. */
export class ModelConnectionError extends CortexError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_CONNECTION_ERROR", message, options);
  }
}

/** The request's `signal` aborted before the model answered; `cause` is the abort reason. */
export class ModelAbortedError extends CortexError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_ABORTED", message, options);
  }
}

/** The server answered 2xx, but not with a usable chat completion (bad JSON, no choices, wrong shape). */
export class ModelBadResponseError extends CortexError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_BAD_RESPONSE", message, options);
  }
}

/** The model refused to answer, or the provider's content filter stopped the answer. */
export class ModelRefusedError extends CortexError {
  /** The model's refusal text, when it gave one. */
  readonly refusal: string | undefined;

  constructor(message: string, refusal?: string) {
    super("CORTEX_MODEL_REFUSED", message);
    this.refusal = refusal;
  }
}

/** The client failed in a way none of the other codes describe; `cause` is the original error. */
export class ModelRequestError extends CortexError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_REQUEST_FAILED", message, options);
  }
}
