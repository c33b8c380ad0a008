import { escapePointer, FORBIDDEN_KEYS, isPlainObject, MAX_DEPTH, type ValidationIssue } from "./validation.js";

function kindOf(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value !== "object" || value === null) return typeof value;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object";
}

/**
 * A deep copy of params made only of JSON data — plain objects, arrays,
 * strings, finite numbers, booleans and null — read once, so getters run a
 * single time and later changes to the caller's object cannot reach it.
 * Properties whose value is `undefined` are left out, as JSON does. Anything
 * else (functions, including `toJSON`; symbols; bigints; `NaN` and
 * `Infinity`; dates, maps, sets and other class instances; `undefined` in an
 * array; forbidden keys; nesting deeper than 64 levels) is an issue, so
 * what is validated, approved and run is exactly what the approval id
 * covers. Used where the registry awaits between validation and the call.
 */
export function snapshotParams(
  params: Record<string, unknown>,
): { value: Record<string, unknown> } | { issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const value = copy(params, "", 0, issues) as Record<string, unknown>;
  return issues.length > 0 ? { issues } : { value };
}

function copy(value: unknown, path: string, depth: number, issues: ValidationIssue[]): unknown {
  if (typeof value === "string" || typeof value === "boolean" || value === null) return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "object" && (Array.isArray(value) || isPlainObject(value))) {
    if (depth > MAX_DEPTH) {
      issues.push({ path, message: `is nested deeper than ${MAX_DEPTH} levels` });
      return undefined;
    }
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item === undefined) issues.push({ path: `${path}/${i}`, message: "must be a JSON value, got undefined" });
        else out.push(copy(item, `${path}/${i}`, depth + 1, issues));
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const at = `${path}/${escapePointer(key)}`;
      if (FORBIDDEN_KEYS.has(key)) {
        issues.push({ path: at, message: `key "${key}" is not allowed` });
        continue;
      }
      const item: unknown = value[key];
      if (item !== undefined) out[key] = copy(item, at, depth + 1, issues);
    }
    return out;
  }
  issues.push({ path, message: `must be a JSON value, got ${kindOf(value)}` });
  return undefined;
}
