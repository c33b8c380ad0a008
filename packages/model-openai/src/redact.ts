const REDACTED = "[redacted]";

/** The base URL as safe to show: no user info, query or fragment (where keys sometimes travel). */
export function describeEndpoint(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "(unparseable base URL)";
  }
}

/**
 * Why a base URL cannot be used, or undefined when it can. The value itself
 * is never echoed: a malformed URL may still carry credentials.
 */
export function baseURLProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute http(s) URL, e.g. http://localhost:11434/v1";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return "must be an absolute http(s) URL, e.g. http://localhost:11434/v1";
  // fetch refuses URLs with credentials, and the client appends paths after a query.
  if (url.username !== "" || url.password !== "")
    return "must not contain credentials; pass the key as the API key instead";
  if (url.search !== "" || url.hash !== "") return "must not contain a query or fragment";
  return undefined;
}

/** Replaces every occurrence of the secret in the text. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join(REDACTED);
}

function mentions(value: unknown, secret: string): boolean {
  if (typeof value === "string") return value.includes(secret);
  if (value === undefined || value === null) return false;
  if (typeof Headers !== "undefined" && value instanceof Headers) {
    for (const [name, header] of value) if (name.includes(secret) || header.includes(secret)) return true;
    return false;
  }
  try {
    return JSON.stringify(value).includes(secret);
  } catch {
    return false;
  }
}

/**
 * The error to keep as `cause`. A server may echo the key (in its error
 * body, a header or a message); then the original error is replaced by a
 * plain one with the key removed, so nothing reachable from our error holds it.
 */
export function safeCause(error: unknown, secret: string | undefined): unknown {
  if (!secret || !(error instanceof Error)) return error;
  const fields = error as Error & { error?: unknown; headers?: unknown; cause?: unknown };
  const leaks = [fields.message, fields.stack, fields.error, fields.headers].some((value) => mentions(value, secret));
  const causeLeaks = fields.cause instanceof Error && safeCause(fields.cause, secret) !== fields.cause;
  if (!leaks && !causeLeaks) return error;
  const clean = new Error(redact(error.message, secret));
  clean.name = error.name === "Error" ? error.constructor.name : error.name;
  return clean;
}
