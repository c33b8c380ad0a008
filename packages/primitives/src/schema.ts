import type { JsonSchema } from "./model.js";
import { isPlainObject } from "./objects.js";

// The Standard Schema and Standard JSON Schema interfaces (standardschema.dev,
// version 1), written out here as the specification invites, so that Cortex
// accepts zod, valibot, arktype and every other implementation without
// depending on any of them.

/** The `~standard` properties every Standard Schema carries: its version, vendor, a validator and its types. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  readonly version: 1;
  readonly vendor: string;
  readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/** A schema of any library implementing Standard Schema v1 (zod ≥ 3.24, valibot ≥ 1, arktype ≥ 2, …). */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": StandardSchemaProps<Input, Output>;
}

/** What a Standard Schema's `validate` returns: the typed value, or the issues. */
export type StandardResult<Output> =
  { readonly value: Output; readonly issues?: undefined } | { readonly issues: readonly StandardIssue[] };

/** One problem a Standard Schema found, with where it is. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** The JSON Schema dialects a Standard JSON Schema converter is asked for. */
export type JsonSchemaTarget = "draft-07" | "draft-2020-12" | "openapi-3.0";

/**
 * The converter of Standard JSON Schema v1 (zod ≥ 4.2 and arktype ≥ 2.1.28
 * carry it; valibot through `toStandardJsonSchema` of `@valibot/to-json-schema`).
 */
export interface StandardJsonSchemaConverter {
  readonly input: (options: { readonly target: JsonSchemaTarget }) => Record<string, unknown>;
  readonly output: (options: { readonly target: JsonSchemaTarget }) => Record<string, unknown>;
}

/** What a schema option of Cortex accepts: a Standard Schema, or a plain JSON Schema object. */
export type SchemaLike<Output = unknown> = StandardSchemaV1<unknown, Output> | JsonSchema;

/** The type of data a schema describes: the Standard Schema's output type; `unknown` for a plain JSON Schema. */
export type InferSchema<S> = S extends StandardSchemaV1<unknown, infer Output> ? Output : unknown;

/** The type a schema accepts: the Standard Schema's input type; `unknown` for a plain JSON Schema. */
export type InferSchemaInput<S> = S extends StandardSchemaV1<infer Input, unknown> ? Input : unknown;

/** True for a value implementing Standard Schema v1 (an object or function with a `~standard` of version 1 and a `validate`). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as { "~standard"?: unknown })["~standard"];
  return (
    typeof props === "object" &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === "function"
  );
}

/** Options of {@link toJsonSchema}. */
export interface ToJsonSchemaOptions {
  /** The dialect asked of a Standard JSON Schema converter. Default `draft-07`, what ajv compiles by default. */
  target?: JsonSchemaTarget;
  /** Describe the data the schema accepts (`input`, the default) or produces (`output`). */
  io?: "input" | "output";
}

/**
 * The JSON Schema of `schema`: a plain JSON Schema object as it is; a
 * Standard Schema through its Standard JSON Schema converter. `undefined`
 * when the Standard Schema has no converter (wrap it, e.g. valibot's
 * `toStandardJsonSchema`). What the converter throws is thrown; callers
 * wrap both cases in their own coded error naming the schema's owner.
 */
export function toJsonSchema(schema: unknown, options: ToJsonSchemaOptions = {}): JsonSchema | undefined {
  if (!isStandardSchema(schema)) return isPlainObject(schema) ? schema : undefined;
  const converter = (schema["~standard"] as { jsonSchema?: unknown }).jsonSchema;
  if (typeof converter !== "object" || converter === null) return undefined;
  const convert = (converter as Partial<StandardJsonSchemaConverter>)[options.io ?? "input"];
  if (typeof convert !== "function") return undefined;
  const converted = convert({ target: options.target ?? "draft-07" });
  return isPlainObject(converted) ? converted : undefined;
}

/**
 * Runs a Standard Schema's validator: the typed value, or its issues with
 * each path as a JSON pointer (`/items/0/title`), the form every Cortex
 * validation error uses.
 */
export async function validateStandard<Output>(
  schema: StandardSchemaV1<unknown, Output>,
  value: unknown,
): Promise<{ value: Output; issues?: undefined } | { issues: { path: string; message: string }[] }> {
  const result = await schema["~standard"].validate(value);
  if (result.issues === undefined) return { value: result.value };
  return { issues: result.issues.map((issue) => ({ path: pointerOf(issue.path), message: issue.message })) };
}

function pointerOf(path: StandardIssue["path"]): string {
  if (path === undefined) return "";
  return path
    .map((segment) => {
      const key = typeof segment === "object" ? segment.key : segment;
      return "/" + String(key).replaceAll("~", "~0").replaceAll("/", "~1");
    })
    .join("");
}
