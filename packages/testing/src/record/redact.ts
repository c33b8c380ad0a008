/** What a secret is replaced with in a recording, as the plugin registry writes it. */
export const REDACTED = "[REDACTED]";

/** The secrets as texts to replace: each one and its JSON-escaped form, longest first. */
function needles(secrets: Iterable<string>): string[] {
  const found = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length === 0) continue;
    found.add(secret);
    found.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** JSON text with every secret replaced by {@link REDACTED}; the text stays valid JSON. */
export function redactJson(json: string, secrets: Iterable<string>): string {
  for (const secret of needles(secrets)) if (json.includes(secret)) json = json.split(secret).join(REDACTED);
  return json;
}

/** Whether `actual` is the text `expected` was redacted from: each `[REDACTED]` stands for any non-empty text. */
export function matchesRedacted(expected: string, actual: string): boolean {
  if (!expected.includes(REDACTED)) return expected === actual;
  const parts = expected.split(REDACTED).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[\\s\\S]+?")}$`).test(actual);
}
