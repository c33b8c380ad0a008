import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import ajvFormats from "ajv-formats";
import type { FormatsPlugin } from "ajv-formats";
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

const escapePointer = (segment: string): string => segment.replace(/~/g, "~0").replace(/\//g, "~1");

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

const MAX_DEPTH = 64;

/** True for `{}`-style objects (prototype `Object.prototype` or `null`). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Shape checks ajv does not do: params must be a plain object, and no plain
 * object or array inside may carry `__proto__`, `constructor` or `prototype`
 * keys (prototype pollution in plugin code that merges params). Returns
 * `undefined` when fine; walks without allocating.
 */
export function checkParamsShape(params: unknown): ValidationIssue[] | undefined {
  if (!isPlainObject(params)) {
    const kind = params === null ? "null" : Array.isArray(params) ? "an array" : typeof params;
    return [{ path: "", message: `must be a plain object, got ${kind === "object" ? "a class instance" : kind}` }];
  }
  return walk(params, "", 0);
}

function walk(value: object, path: string, depth: number): ValidationIssue[] | undefined {
  if (depth > MAX_DEPTH) return [{ path, message: `is nested deeper than ${MAX_DEPTH} levels` }];
  let issues: ValidationIssue[] | undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "object" && item !== null && (Array.isArray(item) || isPlainObject(item))) {
        const found = walk(item, `${path}/${i}`, depth + 1);
        if (found) (issues ??= []).push(...found);
      }
    }
    return issues;
  }
  // for-in without hasOwn: plain objects inherit no enumerable keys worth
  // checking, and skipping the call keeps this walk cheap on the hot path.
  for (const key in value) {
    if (key === "__proto__" || key === "constructor" || key === "prototype") {
      (issues ??= []).push({ path: `${path}/${escapePointer(key)}`, message: `key "${key}" is not allowed` });
      continue;
    }
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null && (Array.isArray(item) || isPlainObject(item))) {
      const found = walk(item, `${path}/${escapePointer(key)}`, depth + 1);
      if (found) (issues ??= []).push(...found);
    }
  }
  return issues;
}
