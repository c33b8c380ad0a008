import { isPlainObject } from "@cortex/primitives";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import ajvFormats from "ajv-formats";
import type { FormatsPlugin } from "ajv-formats";
import { ValidationError } from "./errors.js";
import type { JsonSchema } from "./models.js";

/** One problem with a call's parameters. */
export interface ValidationIssue {
  /** JSON pointer into the params (`""` is the params object itself, `/start` a property). */
  readonly path: string;
  /** What is wrong, e.g. `must be string`. */
  readonly message: string;
}

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default
// import is the whole module.exports (ESM) and esbuild's CJS interop yields
// the same, so `.default` is the plugin in both builds. The fallback covers
// a bundler that already unwrapped it.
const addFormats: FormatsPlugin =
  (ajvFormats as unknown as { default?: FormatsPlugin }).default ?? (ajvFormats as unknown as FormatsPlugin);

/**
 * One ajv instance per registry: `allErrors` so a model sees every problem at
 * once, `strict: false` so real-world schemas with `description`, `examples`
 * or vendor keywords compile, formats such as `date`, `date-time` and
 * `email` checked.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
  addFormats(ajv);
  return ajv;
}

/** Compiles once; throws ajv's error when the schema is invalid. */
export function compileSchema(ajv: Ajv, schema: JsonSchema): ValidateFunction {
  return ajv.compile(schema);
}

/** One JSON-pointer segment: `~` and `/` escaped. */
export const escapePointer = (segment: string): string => segment.replace(/~/g, "~0").replace(/\//g, "~1");

/** ajv errors as issues; `required` and `additionalProperties` point at the property itself. */
export function toIssues(errors: readonly ErrorObject[] | null | undefined): ValidationIssue[] {
  if (!errors) return [{ path: "", message: "is invalid" }];
  return errors.map((e) => {
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "required" && typeof params.missingProperty === "string") {
      return { path: `${e.instancePath}/${escapePointer(params.missingProperty)}`, message: "is required" };
    }
    if (e.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
      return {
        path: `${e.instancePath}/${escapePointer(params.additionalProperty)}`,
        message: "is not an allowed property",
      };
    }
    return { path: e.instancePath, message: e.message ?? `fails "${e.keyword}"` };
  });
}

/** Deepest nesting of params accepted. */
export const MAX_DEPTH = 64;
/** Keys refused at any depth of params (prototype pollution in plugin code that merges them). */
const isForbidden = (key: string): boolean => key === "__proto__" || key === "constructor" || key === "prototype";

/**
 * The one walk over a call's params, whatever the action's tier and the
 * plugin's state: a deep copy made only of JSON data, read once (a getter
 * runs a single time), or every issue found. Accepted: a plain object at the
 * top; inside it plain objects, arrays, strings, booleans, null and finite
 * numbers. Properties whose value is `undefined` are left out, as JSON does.
 * Everything else is an issue, each with its JSON pointer: functions
 * (`toJSON` included), symbols, bigints, `NaN`, `±Infinity` and `-0` (JSON
 * cannot tell it from `0`), `undefined` in an array, dates, maps and other
 * class instances, `__proto__`/`constructor`/`prototype` keys, nesting deeper
 * than {@link MAX_DEPTH}. So every value a call may carry has one JSON form,
 * and two calls with the same approval id are the same call.
 */
export function readParams(params: unknown): { value: Record<string, unknown> } | { issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const value = read(params, issues);
  return issues.length > 0 ? { issues } : { value };
}

/** {@link readParams}, with its issues pushed onto `issues`. */
function read(params: unknown, issues: ValidationIssue[]): Record<string, unknown> {
  if (isPlainObject(params)) return copy(params, undefined, undefined, 0, issues) as Record<string, unknown>;
  const kind = params === null ? "null" : Array.isArray(params) ? "an array" : typeof params;
  issues.push({ path: "", message: `must be a plain object, got ${kind === "object" ? "a class instance" : kind}` });
  return {};
}

/** A value JSON writes as it is and reads back as the same value. */
function isJsonPrimitive(value: unknown): boolean {
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0);
  return typeof value === "string" || typeof value === "boolean" || value === null;
}

/** Where a container sits in the params; turned into a JSON pointer only when there is an issue to report. */
interface Place {
  readonly parent: Place | undefined;
  readonly key: string | number;
}

/** The JSON pointer of `key` inside the container at `place` (of `place` itself when `key` is undefined). */
function pointer(place: Place | undefined, key?: string | number): string {
  let path = key === undefined ? "" : segment(key);
  for (let at = place; at !== undefined; at = at.parent) path = segment(at.key) + path;
  return path;
}

const segment = (key: string | number): string => `/${typeof key === "number" ? key : escapePointer(key)}`;

/** A copy of `value`, found at `key` of the container at `place`, or `undefined` with its issues recorded. */
function copy(
  value: unknown,
  place: Place | undefined,
  key: string | number | undefined,
  depth: number,
  issues: ValidationIssue[],
): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      issues.push({
        path: pointer(place, key),
        message: `must be a JSON value, got ${Object.is(value, -0) ? "-0" : String(value)}`,
      });
      return undefined;
    case "object": {
      if (value === null) return null;
      if (depth > MAX_DEPTH) {
        issues.push({ path: pointer(place, key), message: `is nested deeper than ${MAX_DEPTH} levels` });
        return undefined;
      }
      // Only containers get a place of their own, so a flat object costs no allocation but its copy.
      const here = key === undefined ? place : { parent: place, key };
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined)
            issues.push({ path: pointer(here, i), message: "must be a JSON value, got undefined" });
          else out.push(copy(item, here, i, depth + 1, issues));
        }
        return out;
      }
      if (isPlainObject(value)) {
        // A spread reads each own enumerable property once, and is the fastest copy V8 makes.
        const out: Record<string, unknown> = { ...value };
        for (const symbol of Object.getOwnPropertySymbols(out)) delete (out as Record<symbol, unknown>)[symbol];
        for (const name in out) {
          const item: unknown = out[name];
          if (isJsonPrimitive(item) && !isForbidden(name)) continue;
          // for-in also walks keys inherited from a tampered Object.prototype: they are not the caller's.
          if (!Object.hasOwn(out, name)) continue;
          if (isForbidden(name)) issues.push({ path: pointer(here, name), message: `key "${name}" is not allowed` });
          else if (item === undefined) delete out[name];
          else out[name] = copy(item, here, name, depth + 1, issues);
        }
        return out;
      }
      issues.push({ path: pointer(place, key), message: `must be a JSON value, got ${className(value)}` });
      return undefined;
    }
    case "bigint":
    case "function":
    case "symbol":
    case "undefined":
      issues.push({ path: pointer(place, key), message: `must be a JSON value, got ${typeof value}` });
      return undefined;
  }
}

function className(value: object): string {
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : "an object";
}

/**
 * The check `execute` and `validate` apply to one action's params: the
 * params walk ({@link readParams}), then the schema on the copy. Returns
 * the copy, which is what the plugin receives; throws
 * `CORTEX_VALIDATION_FAILED` listing every issue (those of the walk alone,
 * when it finds any).
 */
export type ParamsCheck = (params: unknown) => Record<string, unknown>;

/** Builds the {@link ParamsCheck} of one action, at registration. */
export function paramsCheck(plugin: string, action: string, validate: ValidateFunction | undefined): ParamsCheck {
  return (params) => {
    const issues: ValidationIssue[] = [];
    const value = read(params, issues);
    if (issues.length > 0) throw new ValidationError(plugin, action, issues);
    if (validate !== undefined && !validate(value))
      throw new ValidationError(plugin, action, toIssues(validate.errors));
    return value;
  };
}
