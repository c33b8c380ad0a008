import {
  APICallError,
  EmptyResponseBodyError,
  InvalidArgumentError,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  LoadSettingError,
  NoContentGeneratedError,
  NoSuchModelError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from "@ai-sdk/provider";
import {
  ModelAbortedError,
  ModelBadResponseError,
  ModelConfigError,
  ModelConnectionError,
  ModelHttpError,
  ModelRequestError,
  isCortexError,
  isPlainObject,
  messageOf,
  type ModelError,
} from "@cortex/primitives";
import { redact, safeCause } from "./redact.js";

/** What an error message needs to name the call, and what it must never show. */
export interface ErrorContext {
  /** The model, e.g. `anthropic.messages model "claude-sonnet-4-5"`. */
  readonly where: string;
  /** The request's signal: once aborted, every failure is an abort. */
  readonly signal: AbortSignal;
  /** Strings (API keys) removed from every message and cause. */
  readonly secrets: readonly string[];
}

// Codes undici, Node and Bun put on a failed or dropped connection.
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_ABORTED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ConnectionRefused",
  "ConnectionClosed",
  "FailedToOpenSocket",
]);

/** True when the error, or an error it was caused by, is a connection that failed or dropped. */
export function isNetworkFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    // undici's own words for a body cut off and a request that never connected.
    if (current instanceof TypeError && /^(terminated|fetch failed)$/i.test(current.message)) return true;
  }
  return false;
}

function isAbortLike(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && ["AbortError", "ResponseAborted"].includes((error as Error).name)
  );
}

/**
 * How long the server asked to wait: `retry-after-ms`, else `retry-after`
 * in seconds or as an HTTP date, else a `google.rpc.RetryInfo` detail in
 * the error body (how Google's APIs say it, e.g. `"retryDelay": "12s"`).
 */
export function retryAfterMs(
  headers: Readonly<Record<string, string | undefined>> | undefined,
  body?: string,
): number | undefined {
  const read = (name: string): string | undefined =>
    headers?.[name] ?? Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
  const ms = Number.parseFloat(read("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const after = read("retry-after")?.trim();
  if (after !== undefined && /^\d+(\.\d+)?$/.test(after)) return Math.ceil(Number.parseFloat(after) * 1000);
  const date = after === undefined ? NaN : Date.parse(after);
  if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  return retryInfoMs(body);
}

function retryInfoMs(body: string | undefined): number | undefined {
  if (!body?.includes("RetryInfo")) return undefined;
  let details: unknown;
  try {
    details = (JSON.parse(body) as { error?: { details?: unknown } }).error?.details;
  } catch {
    return undefined;
  }
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay =
      isPlainObject(detail) && String(detail["@type"]).endsWith("RetryInfo") ? detail.retryDelay : undefined;
    const seconds = typeof delay === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(delay.trim()) : null;
    if (seconds !== null) return Math.ceil(Number.parseFloat(seconds[1]!) * 1000);
  }
  return undefined;
}

function requestIdOf(headers: Readonly<Record<string, string | undefined>> | undefined): string | undefined {
  if (headers === undefined) return undefined;
  for (const name of ["x-request-id", "request-id", "x-amzn-requestid", "x-goog-request-id"]) {
    const value = headers[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

// In-band error types (an error event inside a 200 stream) and the HTTP status each stands for.
const IN_BAND_STATUS: readonly (readonly [RegExp, number])[] = [
  [/rate_limit|insufficient_quota|too_many_requests|resource_exhausted/i, 429],
  [/overloaded/i, 529],
  [/authentication|unauthenticated/i, 401],
  [/permission/i, 403],
  [/not_found/i, 404],
  [/timeout|deadline/i, 504],
  [/invalid|bad_request|context_length/i, 400],
  [/unavailable/i, 503],
  [/api_error|server_error|internal/i, 500],
];

/** The HTTP status an in-band error object stands for, when it says. */
function inBandStatus(value: Record<string, unknown>): number | undefined {
  for (const key of ["statusCode", "status", "code"]) {
    const field = value[key];
    if (typeof field === "number" && Number.isInteger(field) && field >= 400 && field <= 599) return field;
  }
  const words = [value.type, value.code, value.status].filter((field) => typeof field === "string").join(" ");
  return IN_BAND_STATUS.find(([pattern]) => pattern.test(words))?.[1];
}

/**
 * Turns whatever a provider threw, or put in an error part of its stream,
 * into one of the coded model errors. Once the request's signal has aborted
 * every failure is an abort. No message or cause holds a secret.
 */
export function toModelError(error: unknown, context: ErrorContext): ModelError {
  if (isCortexError(error) && error.code.startsWith("CORTEX_MODEL_")) return error as ModelError;
  const { where, secrets } = context;
  const cause = safeCause(error, secrets);
  const detail = (text: string): string => redact(text, secrets).slice(0, 500);
  if (context.signal.aborted || isAbortLike(error)) {
    const reason: unknown = context.signal.aborted ? context.signal.reason : error;
    const why = reason instanceof Error ? `: ${detail(reason.message)}` : "";
    return new ModelAbortedError(`The request to ${where} was aborted${why}`, { cause: safeCause(reason, secrets) });
  }
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status !== undefined && status >= 400) {
      return new ModelHttpError(status, `The provider answered HTTP ${status} for ${where}: ${detail(error.message)}`, {
        cause,
        requestId: requestIdOf(error.responseHeaders),
        retryAfterMs: retryAfterMs(error.responseHeaders, error.responseBody),
      });
    }
    if (isNetworkFailure(error) || error.isRetryable) {
      return new ModelConnectionError(`The connection to ${where} failed: ${detail(rootMessage(error))}`, { cause });
    }
    return new ModelBadResponseError(
      `The provider's answer for ${where} is not usable: ${detail(rootMessage(error))}`,
      {
        cause,
      },
    );
  }
  if (isNetworkFailure(error)) {
    return new ModelConnectionError(`The connection to ${where} failed: ${detail(rootMessage(error))}`, { cause });
  }
  if (
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error)
  ) {
    return new ModelBadResponseError(`The provider's answer for ${where} is not usable: ${detail(error.message)}`, {
      cause,
    });
  }
  if (LoadAPIKeyError.isInstance(error) || LoadSettingError.isInstance(error)) {
    return new ModelConfigError(`${where} is not configured: ${detail(error.message)}`, { cause });
  }
  if (
    UnsupportedFunctionalityError.isInstance(error) ||
    InvalidPromptError.isInstance(error) ||
    InvalidArgumentError.isInstance(error) ||
    NoSuchModelError.isInstance(error)
  ) {
    return new ModelRequestError(`${where} cannot take this request: ${detail(error.message)}`, { cause });
  }
  if (isPlainObject(error)) {
    const inner = isPlainObject(error.error) ? error.error : error;
    const message = typeof inner.message === "string" ? inner.message : messageOf(error);
    const status = inBandStatus(inner);
    if (status !== undefined) {
      return new ModelHttpError(status, `The provider reported an error (${status}) for ${where}: ${detail(message)}`, {
        cause,
      });
    }
    return new ModelRequestError(`The provider reported an error for ${where}: ${detail(message)}`, { cause });
  }
  return new ModelRequestError(`The request to ${where} failed: ${detail(messageOf(error))}`, { cause });
}

/** The error's message, with the message of what caused it when the provider only wrapped it. */
function rootMessage(error: unknown): string {
  if (!(error instanceof Error)) return messageOf(error);
  const inner = error.cause;
  if (!(inner instanceof Error) || inner.message === "" || inner.message === error.message) return error.message;
  const deeper = inner.cause instanceof Error && inner.cause.message !== "" ? ` (${inner.cause.message})` : "";
  return `${error.message}: ${inner.message}${deeper}`;
}
