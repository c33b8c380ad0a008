/**
 * The one place core turns a value into JSON text: what the model is told,
 * what a run store keeps, what the audit file gets. Never throws: a value
 * JSON cannot hold (a BigInt, a circular object, a `toJSON` that throws)
 * gives `undefined`, and the caller decides what that means.
 */
export function toJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** `value` as it reads in an error message: its JSON, or `String(value)` when JSON cannot hold it. */
export function shown(value: unknown): string {
  return toJson(value) ?? String(value);
}
