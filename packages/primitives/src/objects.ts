/** True for `{}`-style objects: their prototype is `Object.prototype` or `null` (not arrays, class instances, dates, maps). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
