import { isPlainObject } from "@cortex/primitives";
import { matchesRedacted } from "./redact.js";

/** Where two JSON values first differ: a path like `messages[0].content`, and the two values there. */
export interface Difference {
  path: string;
  expected: unknown;
  actual: unknown;
}

const key = (path: string, name: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;

/**
 * The first place `actual` differs from `expected`, depth first in key
 * order, or undefined when they are the same JSON. A string in `expected`
 * with `[REDACTED]` in it matches the text it was redacted from.
 */
export function firstDifference(expected: unknown, actual: unknown, path = ""): Difference | undefined {
  if (typeof expected === "string" && typeof actual === "string") {
    return matchesRedacted(expected, actual) ? undefined : { path, expected, actual };
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const length = Math.max(expected.length, actual.length);
    for (let i = 0; i < length; i++) {
      if (i >= expected.length) return { path: `${path}[${i}]`, expected: undefined, actual: actual[i] };
      if (i >= actual.length) return { path: `${path}[${i}]`, expected: expected[i], actual: undefined };
      const found = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isPlainObject(expected) && isPlainObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    for (const name of keys) {
      const found = firstDifference(expected[name], actual[name], key(path, name));
      if (found) return found;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : { path, expected, actual };
}
