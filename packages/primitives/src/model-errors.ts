import { CortexError, type CortexErrorOptions, type ErrorTable } from "./errors.js";

/** The codes every model adapter throws with, each with its class. */
export const MODEL_ERRORS = {
  CORTEX_MODEL_CONFIG: "ModelConfigError",
  CORTEX_MODEL_HTTP_ERROR: "ModelHttpError",
  CORTEX_MODEL_TIMEOUT: "ModelTimeoutError",
  CORTEX_MODEL_CONNECTION_ERROR: "ModelConnectionError",
  CORTEX_MODEL_ABORTED: "ModelAbortedError",
  CORTEX_MODEL_BAD_RESPONSE: "ModelBadResponseError",
  CORTEX_MODEL_REFUSED: "ModelRefusedError",
  CORTEX_MODEL_REQUEST_FAILED: "ModelRequestError",
} as const satisfies ErrorTable;

/** A code of {@link MODEL_ERRORS}. */
export type ModelErrorCode = keyof typeof MODEL_ERRORS;

/**
 * Base of the errors model adapters throw. `retryable` tells whether the
 * same request may succeed later (a rate limit, a 5xx, a dropped
 * connection) or never will as it stands (a bad key, a refused prompt).
 */
export abstract class ModelError<C extends ModelErrorCode = ModelErrorCode> extends CortexError<C> {
  /** Whether trying the same request again later may succeed. */
  abstract readonly retryable: boolean;
}

/** The adapter's options or environment are missing or invalid; thrown when it is created, before any request. */
export class ModelConfigError extends ModelError<"CORTEX_MODEL_CONFIG"> {
  readonly retryable = false;
  constructor(message: string, options?: CortexErrorOptions) {
    super("CORTEX_MODEL_CONFIG", message, options);
  }
}

/** Statuses worth trying again later: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The model server answered with an HTTP error status (after the client's own retries). */
export class ModelHttpError extends ModelError<"CORTEX_MODEL_HTTP_ERROR"> {
  readonly retryable: boolean;
  /** The provider's request id, when it sent one. */
  readonly requestId: string | undefined;
  /** How long the server asked to wait before trying again (`retry-after`), when it said. */
  readonly retryAfterMs: number | undefined;

  constructor(
    /** The HTTP status the server answered with. */
    readonly status: number,
    message: string,
    options?: CortexErrorOptions & { requestId?: string | undefined; retryAfterMs?: number | undefined },
  ) {
    super("CORTEX_MODEL_HTTP_ERROR", message, options);
    this.retryable = isRetryableStatus(status);
    this.requestId = options?.requestId;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The model server did not answer within `timeoutMs`. */
export class ModelTimeoutError extends ModelError<"CORTEX_MODEL_TIMEOUT"> {
  readonly retryable = true;
  constructor(
    readonly timeoutMs: number,
    message: string,
    options?: CortexErrorOptions,
  ) {
    super("CORTEX_MODEL_TIMEOUT", message, options);
  }
}

/** The model server could not be reached, or the connection dropped: refused, DNS failure, reset. */
export class ModelConnectionError extends ModelError<"CORTEX_MODEL_CONNECTION_ERROR"> {
  readonly retryable = true;
  constructor(message: string, options?: CortexErrorOptions) {
    super("CORTEX_MODEL_CONNECTION_ERROR", message, options);
  }
}

/** The request's `signal` aborted before the model answered; `cause` is the abort reason. */
export class ModelAbortedError extends ModelError<"CORTEX_MODEL_ABORTED"> {
  readonly retryable = false;
  constructor(message: string, options?: CortexErrorOptions) {
    super("CORTEX_MODEL_ABORTED", message, options);
  }
}

/** The server answered, but not with a usable answer (bad JSON, no choices, a malformed stream). */
export class ModelBadResponseError extends ModelError<"CORTEX_MODEL_BAD_RESPONSE"> {
  readonly retryable = false;
  constructor(message: string, options?: CortexErrorOptions) {
    super("CORTEX_MODEL_BAD_RESPONSE", message, options);
  }
}

/** The model refused to answer, or the provider's content filter stopped the answer. */
export class ModelRefusedError extends ModelError<"CORTEX_MODEL_REFUSED"> {
  readonly retryable = false;
  constructor(
    message: string,
    /** The model's refusal text, when it gave one. */
    readonly refusal?: string,
  ) {
    super("CORTEX_MODEL_REFUSED", message);
  }
}

/** The client failed in a way none of the other codes describe; `cause` is the original error. */
export class ModelRequestError extends ModelError<"CORTEX_MODEL_REQUEST_FAILED"> {
  readonly retryable = false;
  constructor(message: string, options?: CortexErrorOptions) {
    super("CORTEX_MODEL_REQUEST_FAILED", message, options);
  }
}
