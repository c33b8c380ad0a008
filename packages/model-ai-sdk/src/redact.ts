const REDACTED = "[redacted]";

/** The text with every secret replaced by `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) clean = clean.split(secret).join(REDACTED);
  return clean;
}

function mentions(value: unknown, secrets: readonly string[], seen: Set<unknown>): boolean {
  if (typeof value === "string") return secrets.some((secret) => value.includes(secret));
  if (typeof value !== "object" || value === null || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Error) {
    const fields = value as Error & Record<string, unknown>;
    return [fields.message, fields.stack, ...Object.values(fields), fields.cause].some((field) =>
      mentions(field, secrets, seen),
    );
  }
  try {
    return secrets.some((secret) => (JSON.stringify(value) ?? "").includes(secret));
  } catch {
    return Object.values(value).some((field) => mentions(field, secrets, seen));
  }
}

/**
 * The error to keep as `cause`. A server may echo a key back (in its error
 * body, a header or a message); then the original error is replaced by a
 * plain one with the key removed, so nothing reachable from the Cortex
 * error holds it.
 */
export function safeCause(error: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0 || !mentions(error, secrets, new Set())) return error;
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : "";
  const clean = new Error(redact(message, secrets));
  clean.name = error instanceof Error ? error.name : "Error";
  return clean;
}
