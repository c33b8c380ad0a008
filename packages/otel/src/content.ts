/** What a secret is replaced with in recorded content, as the plugin registry writes it. */
export const REDACTED = "[REDACTED]";

/**
 * Turns content (prompts, answers, tool arguments and results) into the
 * text a span may hold: JSON, every secret removed, cut at the limit. The
 * secrets are read at each write, so a broker's values handed out after the
 * extension was made are covered too.
 */
export class ContentWriter {
  constructor(
    private readonly secrets: (() => Iterable<string>) | undefined,
    private readonly max: number,
  ) {}

  /** `text` with every secret (and its JSON-escaped form) replaced by {@link REDACTED}. */
  redact(text: string): string {
    if (this.secrets === undefined) return text;
    const found: string[] = [];
    for (const secret of this.secrets()) {
      if (typeof secret !== "string" || secret.length === 0) continue;
      found.push(secret);
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) found.push(escaped);
    }
    // Longest first, so a secret that contains another is removed whole.
    found.sort((a, b) => b.length - a.length);
    for (const secret of found) if (text.includes(secret)) text = text.split(secret).join(REDACTED);
    return text;
  }

  /** The value as redacted JSON text (a string as it is), at most the limit long. */
  write(value: unknown): string {
    let text: string;
    if (typeof value === "string") text = value;
    else {
      try {
        text = JSON.stringify(value) ?? String(value);
      } catch {
        text = String(value);
      }
    }
    text = this.redact(text);
    return text.length > this.max ? `${text.slice(0, this.max)}…[truncated]` : text;
  }
}

/** The run's input as GenAI input messages: a string is one user message; a message list is kept. */
export function inputMessages(input: unknown): unknown {
  if (typeof input === "string") return [{ role: "user", parts: [{ type: "text", content: input }] }];
  return input;
}

/** The run's answer as GenAI output messages. */
export function outputMessages(output: unknown): unknown {
  return [{ role: "assistant", parts: [{ type: "text", content: output }], finish_reason: "stop" }];
}
