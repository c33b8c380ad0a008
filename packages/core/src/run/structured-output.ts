import {
  InvalidOptionsError,
  isPlainObject,
  isStandardSchema,
  messageOf,
  toJsonSchema,
  validateStandard,
  type JsonSchema,
} from "@cortex/primitives";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import ajvFormats, { type FormatsPlugin } from "ajv-formats";

/** One problem with an answer, at its JSON pointer. */
export interface OutputIssue {
  path: string;
  message: string;
}

/** What checking an answer gives: the parsed, validated value, or its problems. */
export type OutputVerdict = { value: unknown } | { issues: OutputIssue[] };

/** Checks the text of a final answer against a run's `output` schema. */
export type OutputCheck = (answer: string) => Promise<OutputVerdict>;

/** A run's `output` ready for use: the JSON Schema the model is asked to follow (when known) and the check. */
export interface PreparedOutput {
  schema: JsonSchema | undefined;
  check: OutputCheck;
}

// ajv-formats is CommonJS with `exports.default`: the default import is the whole module in both builds.
const addFormats: FormatsPlugin =
  (ajvFormats as unknown as { default?: FormatsPlugin }).default ?? (ajvFormats as unknown as FormatsPlugin);

let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();
const compiledStored = new Map<string, ValidateFunction>();
const STORED_CACHE = 100;

function compile(schema: JsonSchema): ValidateFunction {
  const known = compiled.get(schema);
  if (known !== undefined) return known;
  if (ajv === undefined) {
    ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
    addFormats(ajv);
  }
  const validate = ajv.compile(schema);
  compiled.set(schema, validate);
  return validate;
}

/** The JSON an answer holds: the whole text, or the inside of one fenced code block around it. */
function parseAnswer(answer: string): { value: unknown } | { issues: OutputIssue[] } {
  const fenced = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?\s*```$/.exec(answer.trim());
  try {
    return { value: JSON.parse(fenced ? fenced[1]! : answer) as unknown };
  } catch (error) {
    return { issues: [{ path: "", message: `is not JSON (${messageOf(error)})` }] };
  }
}

const pointerSegment = (segment: string): string => segment.replace(/~/g, "~0").replace(/\//g, "~1");

function issuesOf(errors: readonly ErrorObject[] | null | undefined): OutputIssue[] {
  if (!errors) return [{ path: "", message: "does not match the schema" }];
  return errors.map((e) => {
    const params = e.params as Record<string, unknown>;
    if (e.keyword === "required" && typeof params.missingProperty === "string")
      return { path: `${e.instancePath}/${pointerSegment(params.missingProperty)}`, message: "is required" };
    if (e.keyword === "additionalProperties" && typeof params.additionalProperty === "string")
      return { path: `${e.instancePath}/${pointerSegment(params.additionalProperty)}`, message: "is not allowed" };
    return { path: e.instancePath, message: e.message ?? "is invalid" };
  });
}

function jsonSchemaCheck(validate: ValidateFunction): OutputCheck {
  return (answer) => {
    const parsed = parseAnswer(answer);
    if ("issues" in parsed) return Promise.resolve(parsed);
    return Promise.resolve(validate(parsed.value) ? parsed : { issues: issuesOf(validate.errors) });
  };
}

/**
 * Reads a run's `output` option: a Standard Schema (validated by its own
 * library, its JSON Schema from its Standard JSON Schema converter when it
 * has one) or a JSON Schema object (compiled once by ajv). A schema that
 * cannot be used is `CORTEX_INVALID_OPTIONS` naming `output`.
 */
export function prepareOutput(output: unknown): PreparedOutput {
  if (isStandardSchema(output)) {
    let schema: JsonSchema | undefined;
    try {
      schema = toJsonSchema(output);
    } catch (error) {
      throw new InvalidOptionsError(
        "output",
        `output: the schema's JSON Schema converter failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
    return {
      schema,
      check: async (answer) => {
        const parsed = parseAnswer(answer);
        if ("issues" in parsed) return parsed;
        return validateStandard(output, parsed.value);
      },
    };
  }
  if (!isPlainObject(output)) {
    throw new InvalidOptionsError(
      "output",
      "output must be a Standard Schema (zod, valibot, arktype…) or a JSON Schema object",
    );
  }
  try {
    return { schema: output, check: jsonSchemaCheck(compile(output)) };
  } catch (error) {
    throw new InvalidOptionsError("output", `output is not a usable JSON Schema: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * The check of a resumed run whose caller did not pass the schema again:
 * the JSON Schema stored with the run (compiled once per distinct schema),
 * or, when the schema had none, only that the answer is JSON.
 */
export function storedOutputCheck(schema: JsonSchema | undefined): OutputCheck {
  if (schema === undefined) return (answer) => Promise.resolve(parseAnswer(answer));
  const key = JSON.stringify(schema);
  let validate = compiledStored.get(key);
  if (validate === undefined) {
    validate = compile(schema);
    if (compiledStored.size >= STORED_CACHE) compiledStored.delete(compiledStored.keys().next().value!);
    compiledStored.set(key, validate);
  }
  return jsonSchemaCheck(validate);
}

/** What the model is told when its answer does not validate. */
export function correction(issues: readonly OutputIssue[]): string {
  const lines = issues
    .slice(0, 20)
    .map((issue) => `- ${issue.path === "" ? "(the answer)" : issue.path}: ${issue.message}`);
  const more = issues.length > 20 ? `\n- and ${issues.length - 20} more` : "";
  return `Your answer does not match the required JSON schema:\n${lines.join("\n")}${more}\nAnswer again with only the corrected JSON value.`;
}
