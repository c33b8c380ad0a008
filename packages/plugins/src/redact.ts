import { CredentialMissingError } from "./errors.js";
import type { CredentialBroker, CredentialOptions } from "./models.js";

/** What every secret the registry handed out is replaced with. */
export const REDACTED = "[REDACTED]";

const MAX_DEPTH = 8;

/**
 * Remembers every secret value a broker handed to plugins and removes them
 * from text the registry produces (error messages, failure results, log
 * fields). Costs nothing while no secret has been handed out.
 */
export class Redactor {
  // Longest first, so a secret that contains another is removed whole.
  private secrets: string[] = [];

  /** Remember a secret; empty strings are ignored (they would match everywhere). */
  add(secret: string): void {
    if (secret.length === 0 || this.secrets.includes(secret)) return;
    this.secrets.push(secret);
    // A secret with quotes, backslashes or control characters also appears
    // JSON-escaped, e.g. when a thrown non-Error value is serialized.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && !this.secrets.includes(escaped)) this.secrets.push(escaped);
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** Number of texts remembered: each secret, plus its JSON-escaped form when that differs. */
  get size(): number {
    return this.secrets.length;
  }

  /** `text` with every remembered secret replaced by {@link REDACTED}. */
  text(text: string): string {
    for (const secret of this.secrets) {
      if (text.includes(secret)) text = text.split(secret).join(REDACTED);
    }
    return text;
  }

  /**
   * Redacts an error the registry caught, in place (message and stack), so
   * the same object can still be passed on as a `cause`. Non-errors are
   * returned as redacted strings.
   */
  error(error: unknown): unknown {
    if (this.secrets.length === 0) return error;
    if (error instanceof Error) {
      try {
        error.message = this.text(error.message);
        if (typeof error.stack === "string") error.stack = this.text(error.stack);
      } catch {
        // A frozen error cannot be cleaned in place; a redacted copy stands in.
        const copy = new Error(this.text(error.message));
        copy.name = error.name;
        return copy;
      }
      return error;
    }
    return typeof error === "string" ? this.text(error) : error;
  }

  /** A copy of a log-field value with secrets removed from every string in it. */
  value(value: unknown, depth = 0): unknown {
    if (this.secrets.length === 0) return value;
    if (typeof value === "string") return this.text(value);
    if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return value;
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      return { name: value.name, message: this.text(value.message), ...(code === undefined ? {} : { code }) };
    }
    if (Array.isArray(value)) return value.map((v) => this.value(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.value(v, depth + 1);
    return out;
  }
}

/** A human-readable message for anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/**
 * The broker plugins get instead of the registry's own: every value it
 * hands out is remembered by `redactor`, except values asked for with
 * `secret: false`; an empty or non-string value is `CORTEX_CREDENTIAL_MISSING`.
 */
export function redactingBroker(broker: CredentialBroker, redactor: Redactor): CredentialBroker {
  return {
    async get(key: string, options?: CredentialOptions): Promise<string> {
      const value: unknown = await (options === undefined ? broker.get(key) : broker.get(key, options));
      if (typeof value !== "string" || value === "") throw new CredentialMissingError(key);
      if (options?.secret !== false) redactor.add(value);
      return value;
    },
  };
}
