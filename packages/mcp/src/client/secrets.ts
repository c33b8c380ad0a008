import { REDACTED } from "@cortex/plugins";

const MAX_DEPTH = 64;

/**
 * The credential values one MCP server plugin resolved, removed from
 * everything the server sends back before it leaves the plugin: a hostile
 * or careless server may echo its environment or headers (as the reference
 * server's `get-env` tool does). Raw, JSON-escaped, percent-encoded and
 * base64 forms are all replaced by `[REDACTED]`.
 */
export class SecretScrubber {
  #forms: string[] = [];

  /** Forget every value and remember these instead. */
  reset(values: Iterable<string>): void {
    const forms = new Set<string>();
    for (const value of values) {
      // Very short values would match everywhere and say little; they are still redacted as they are.
      if (value.length === 0) continue;
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
      forms.add(encodeURIComponent(value));
      const base64 = Buffer.from(value, "utf8").toString("base64");
      if (value.length >= 4) {
        forms.add(base64);
        forms.add(base64.replace(/=+$/, ""));
        forms.add(Buffer.from(value, "utf8").toString("base64url"));
      }
    }
    // Longest first, so a value that contains another is removed whole.
    this.#forms = [...forms].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
  }

  /** `text` with every remembered form replaced. */
  text(text: string): string {
    for (const form of this.#forms) if (text.includes(form)) text = text.split(form).join(REDACTED);
    return text;
  }

  /** A copy of JSON data with every string (keys too) scrubbed; the value itself when nothing is remembered. */
  value<T>(value: T): T {
    return this.#forms.length === 0 ? value : (this.#walk(value, 0) as T);
  }

  #walk(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.text(value);
    if (typeof value !== "object" || value === null) return value;
    if (depth > MAX_DEPTH) return REDACTED;
    if (Array.isArray(value)) return value.map((v) => this.#walk(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.#walk(v, depth + 1);
    return out;
  }
}
