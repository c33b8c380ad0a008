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
