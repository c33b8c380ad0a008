import { isPlainObject } from "@cortex/primitives";

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

/** How deep {@link copyValue} walks by itself before it hands the rest to `structuredClone` (which also survives cycles). */
const COPY_DEPTH = 32;

/**
 * A deep copy of `value`, as `structuredClone` makes it, made faster for
 * what tool arguments are (parsed JSON): plain objects and arrays are copied
 * by hand, anything else (a date, a map, a class instance, a cycle deeper
 * than a few levels) by `structuredClone`.
 */
export function copyValue<T>(value: T, depth = 0): T {
  if (typeof value !== "object" || value === null) return value;
  if (depth > COPY_DEPTH) return structuredClone(value);
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyValue(value[i] as unknown, depth + 1);
    return out as T;
  }
  if (!isPlainObject(value)) return structuredClone(value);
  // A spread copies own enumerable properties (a "__proto__" key stays a key); symbols go, as structuredClone drops them.
  const out: Record<string, unknown> = { ...value };
  for (const symbol of Object.getOwnPropertySymbols(out)) delete (out as Record<symbol, unknown>)[symbol];
  for (const key in out) {
    const item = out[key];
    if (typeof item === "object" && item !== null && Object.hasOwn(out, key)) out[key] = copyValue(item, depth + 1);
  }
  return out as T;
}
