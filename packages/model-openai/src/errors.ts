import { CortexError } from "@cortex/core";

export { CortexError, isCortexError } from "@cortex/core";

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
 * Base of every error this package throws: the one `CortexError` of the
 * Cortex packages (re-exported by `@cortex/core`), so `instanceof
 * CortexError` and `isCortexError` recognise it like any other Cortex error.
 * Each subclass is named after itself.
 */
export abstract class ModelError extends CortexError<ModelErrorCode> {
  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = new.target.name;
  }
}

/** The adapter's options or environment are missing or invalid; thrown when it is created, before any request. */
export class ModelConfigError extends ModelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_CONFIG", message, options);
  }
}

/** The model server answered with an HTTP error status (after the client's retries). */
export class ModelHttpError extends ModelError {
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
export class ModelTimeoutError extends ModelError {
  constructor(
    readonly timeoutMs: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("CORTEX_MODEL_TIMEOUT", message, options);
  }
}

/** The model server could not be reached: refused connection, DNS failure, reset. */
export class ModelConnectionError extends ModelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_CONNECTION_ERROR", message, options);
  }
}

/** The request's `signal` aborted before the model answered; `cause` is the abort reason. */
export class ModelAbortedError extends ModelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_ABORTED", message, options);
  }
}

/** The server answered 2xx, but not with a usable chat completion (bad JSON, no choices, wrong shape). */
export class ModelBadResponseError extends ModelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_BAD_RESPONSE", message, options);
  }
}

/** The model refused to answer, or the provider's content filter stopped the answer. */
export class ModelRefusedError extends ModelError {
  /** The model's refusal text, when it gave one. */
  readonly refusal: string | undefined;

  constructor(message: string, refusal?: string) {
    super("CORTEX_MODEL_REFUSED", message);
    this.refusal = refusal;
  }
}

/** The client failed in a way none of the other codes describe; `cause` is the original error. */
export class ModelRequestError extends ModelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CORTEX_MODEL_REQUEST_FAILED", message, options);
  }
}
