import { messageText } from "./errors.js";
import type { PluginResult } from "./models.js";
import type { Redactor } from "./redact.js";

/**
 * What a plugin's `executeAction` returned, checked: a `PluginResult` whose
 * every part is JSON data (`JSON.stringify` succeeds: no bigint, no cycle,
 * no throwing `toJSON` or getter). Resolves to the result to hand back: the
 * plugin's own when it holds no secret in any form, otherwise its JSON form
 * with every secret removed (also when it is not plain data, such as a
 * date, and `redactor` holds a secret: only the JSON form can be checked
 * for sure). A string says what is wrong instead. Never throws.
 */
export function checkResult(value: unknown, redactor: Redactor): PluginResult | string {
  if (typeof value !== "object" || value === null) {
    return `returned ${value === null ? "null" : typeof value}, not a PluginResult`;
  }
  let success: unknown;
  try {
    success = (value as PluginResult).success;
  } catch (error) {
    return `returned a result that threw when read (${messageText(error)}), not a PluginResult`;
  }
  if (typeof success !== "boolean") return "returned object, not a PluginResult";
  const shape = inspect(value, redactor);
  if (shape === "plain") return value as PluginResult;
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    return `returned a result that is not JSON data (${messageText(error)})`;
  }
  // Without a secret there is nothing to remove; with one, only the JSON form can be cleaned for sure.
  if (redactor.size === 0) return value as PluginResult;
  let copy: unknown;
  try {
    copy = redactor.parse(json);
  } catch (error) {
    return `returned a result that is not JSON data (${messageText(error)})`;
  }
  if (typeof copy !== "object" || copy === null || typeof (copy as PluginResult).success !== "boolean") {
    return "returned a result whose JSON form is not a PluginResult";
  }
  return copy as PluginResult;
}

/** What `inspect` found in a plugin's output. */
type Shape = "plain" | "secret" | "unsure";

/**
 * Walks plugin output without copying it. "plain": only plain objects,
 * arrays and primitives other than bigints, no `toJSON`, at most 1 000
 * values, and no string or key holding a secret `redactor` knows, so
 * `JSON.stringify` cannot fail and there is nothing to redact. "secret": the
 * same, but a string or key holds a secret. "unsure": anything else (a class
 * instance, a date, a bigint, a `toJSON`, a cycle, a getter that throws…),
 * for `JSON.stringify` to decide. Walking costs a fraction of writing JSON
 * text nobody reads.
 */
function inspect(value: unknown, redactor: Redactor): Shape {
  budget = 1_000;
  found = false;
  try {
    return walk(value, redactor.size > 0 ? redactor : undefined) ? (found ? "secret" : "plain") : "unsure";
  } catch {
    return "unsure";
  }
}

let budget = 0;
let found = false;

function walk(value: unknown, redactor: Redactor | undefined): boolean {
  if (typeof value === "string") {
    if (redactor?.has(value)) found = true;
    return true;
  }
  if (typeof value !== "object" || value === null) return typeof value !== "bigint";
  if (--budget < 0) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype || "toJSON" in value) return false;
    for (const item of value as unknown[]) if (!walk(item, redactor)) return false;
    return true;
  }
  if ((proto !== Object.prototype && proto !== null) || "toJSON" in value) return false;
  // for-in also sees inherited enumerable keys; a plain object has none worth skipping, and checking more is safe.
  for (const key in value) {
    if (redactor?.has(key)) found = true;
    if (!walk((value as Record<string, unknown>)[key], redactor)) return false;
  }
  return true;
}
