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

/** Deepest nesting of params the shape checks accept. */
export const MAX_DEPTH = 64;
/** Keys refused at any depth of params (prototype pollution in plugin code that merges them). */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

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

/**
 * The check `execute` applies to one action's params: returns every issue,
 * or `undefined` when the call may go on. Built once per action, at
 * registration, by {@link paramsChecker}.
 */
export type ParamsChecker = (params: unknown) => ValidationIssue[] | undefined;

/**
 * Builds the params check of one action: the shape check of
 * {@link checkParamsShape}, then the schema. Both orders of work report the
 * same issues for every input:
 *
 * - Open schema (or none): the walk runs first, as the gate order says; the
 *   schema runs only when the shape is fine.
 * - Closed schema ({@link isClosedSchema}): every object ajv accepts has only
 *   declared, allowed keys at every depth, so the walk could not find
 *   anything in params ajv accepts and is skipped on success. Only the
 *   plain-object check runs first. When ajv rejects, the walk runs before
 *   the schema's issues are reported, so forbidden keys and depth are
 *   reported exactly as on the open path.
 */
export function paramsChecker(validate: ValidateFunction | undefined, closed: boolean): ParamsChecker {
  if (validate === undefined) return checkParamsShape;
  if (!closed) {
    return (params) => {
      const shape = checkParamsShape(params);
      if (shape !== undefined) return shape;
      return validate(params) ? undefined : toIssues(validate.errors);
    };
  }
  return (params) => {
    if (typeof params === "object" && params !== null) {
      const proto: unknown = Object.getPrototypeOf(params);
      if ((proto === Object.prototype || proto === null) && validate(params)) return undefined;
    }
    // Rare path: not a plain object, or the schema failed. Same report as the open path.
    return checkParamsShape(params) ?? toIssues(validate.errors);
  };
}

/** Deeper closed schemas are treated as open, so the walk's depth limit still reports. */
const MAX_CLOSED_DEPTH = 32;
const PRIMITIVE_TYPES: ReadonlySet<string> = new Set(["string", "number", "integer", "boolean", "null"]);
/**
 * Keywords a closed object or array schema may carry: annotations and
 * constraints that only narrow what is accepted. Anything else (`$ref`,
 * `allOf`/`anyOf`/`oneOf`/`not`, `if`, `patternProperties`,
 * `dependentSchemas`, `prefixItems`, tuple `items`, vendor keywords…) makes
 * the schema count as open; that is merely slower, never less safe.
 */
const CLOSED_KEYWORDS: ReadonlySet<string> = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "enum",
  "const",
  "nullable",
  "format",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "$schema",
  "$comment",
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
]);

/**
 * True when no value the schema accepts can hold a `__proto__`,
 * `constructor` or `prototype` key at any depth, so ajv's own checks already
 * reject everything {@link checkParamsShape} walks for: every schema that
 * admits objects has `additionalProperties: false`, no forbidden declared
 * property and closed property schemas; every schema that admits arrays has
 * one closed `items` schema; a schema whose `type` admits only primitives is
 * closed whatever else it says. Conservative: anything it cannot analyse
 * (no `type`, `$ref`, combinators, `patternProperties`, unknown keywords,
 * more than {@link MAX_CLOSED_DEPTH} levels) is open.
 */
export function isClosedSchema(schema: unknown, depth = 0): boolean {
  if (schema === false) return true; // accepts nothing
  if (!isPlainObject(schema) || depth > MAX_CLOSED_DEPTH) return false;
  if ("$ref" in schema || "$dynamicRef" in schema || "$recursiveRef" in schema) return false;
  const type = schema.type;
  const types = typeof type === "string" ? [type] : Array.isArray(type) ? (type as unknown[]) : undefined;
  if (types === undefined || types.length === 0) return false;
  let containers = false;
  for (const t of types) {
    if (t === "object" || t === "array") containers = true;
    else if (typeof t !== "string" || !PRIMITIVE_TYPES.has(t)) return false;
  }
  // ajv enforces `type` (no coercion), so a primitive-only schema admits no keys.
  if (!containers) return true;
  for (const keyword of Object.keys(schema)) if (!CLOSED_KEYWORDS.has(keyword)) return false;
  if (types.includes("object")) {
    if (schema.additionalProperties !== false) return false;
    const properties = schema.properties ?? {};
    if (!isPlainObject(properties)) return false;
    for (const name of Object.keys(properties)) {
      if (FORBIDDEN_KEYS.has(name) || !isClosedSchema(properties[name], depth + 1)) return false;
    }
  }
  if (types.includes("array") && !isClosedSchema(schema.items, depth + 1)) return false;
  return true;
}
