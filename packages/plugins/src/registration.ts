import { isCortexError, isPlainObject, type Logger } from "@cortex/primitives";
import type { Ajv, ValidateFunction } from "ajv";
import { messageText, DuplicatePluginError, InvalidPluginError, InvalidSchemaError } from "./errors.js";
import { ActionTier, type Plugin, type PluginActionInfo, type PluginState } from "./models.js";
import { compileSchema, createAjv, paramsCheck, type ParamsCheck } from "./validation.js";

/**
 * Plugin names: lower case, and an `_` only between two other characters.
 * Tools are named `<plugin>__<action>` and split at the first `__`, so a
 * name with `__` or ending in `_` would not map back to its plugin and action.
 */
export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9-]*(?:_[a-z0-9-]+)*$/;
/** Action names: safe in tool names `<plugin>__<action>`; they must not contain `__` either. */
export const ACTION_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const METHODS = ["setup", "teardown", "listActions", "executeAction", "health"] as const;
const TIERS = new Set<string>(Object.values(ActionTier));

/** An action as the registry lists it: the action info plus its plugin's name. */
export interface RegisteredAction extends PluginActionInfo {
  /** Name of the plugin offering the action. */
  readonly plugin: string;
}

/** A registered action with its params check built once. */
export interface ActionEntry {
  readonly info: RegisteredAction;
  /** The check `execute` and `validate` apply (see `ParamsCheck`). */
  readonly check: ParamsCheck;
}

/** Registry-side record of one plugin. */
export interface PluginEntry {
  readonly plugin: Plugin;
  readonly name: string;
  state: PluginState;
  readonly actions: Map<string, ActionEntry>;
  readonly actionList: readonly RegisteredAction[];
  setup: Promise<void> | undefined;
  setupError: unknown;
}

/** True when `name` is usable as a plugin name: see {@link PLUGIN_NAME_PATTERN}. */
export const isValidPluginName = (name: unknown): name is string =>
  typeof name === "string" && PLUGIN_NAME_PATTERN.test(name);

/**
 * Checks everything about a plugin that can be checked before it runs and
 * compiles its schemas, so a broken plugin fails at registration, not at
 * its first call. Every property is read once, here; one that throws when
 * read (a getter, a proxy) is `CORTEX_INVALID_PLUGIN` like any other defect.
 */
export function buildEntry(candidate: unknown, taken: ReadonlySet<string>, ajv: Ajv, logger: Logger): PluginEntry {
  let name: string | undefined;
  try {
    return inspect(candidate, taken, ajv, logger, (found) => (name = found));
  } catch (error) {
    if (isCortexError(error)) throw error;
    throw new InvalidPluginError(name, `reading the plugin threw: ${messageText(error)}`, error);
  }
}

function inspect(
  candidate: unknown,
  taken: ReadonlySet<string>,
  ajv: Ajv,
  logger: Logger,
  named: (name: string) => void,
): PluginEntry {
  if (typeof candidate !== "object" || candidate === null) {
    throw new InvalidPluginError(
      undefined,
      `expected an object, got ${candidate === null ? "null" : typeof candidate}`,
    );
  }
  const plugin = candidate as Plugin;
  const name: unknown = plugin.name;
  if (typeof name !== "string" || name === "") throw new InvalidPluginError(undefined, "name is missing or empty");
  if (!PLUGIN_NAME_PATTERN.test(name)) {
    const rule = name.includes("__")
      ? ' and must not contain "__"'
      : name.endsWith("_")
        ? ' and must not end with "_"'
        : "";
    throw new InvalidPluginError(name, `name must match ${String(PLUGIN_NAME_PATTERN)}${rule}`);
  }
  named(name);
  for (const method of METHODS) {
    if (typeof plugin[method] !== "function") throw new InvalidPluginError(name, `method ${method}() is missing`);
  }
  const version: unknown = plugin.version;
  if (typeof version !== "string" || version === "") throw new InvalidPluginError(name, "version is missing or empty");
  if (!SEMVER.test(version)) logger.warn(`plugin "${name}" version "${version}" is not semver`, { plugin: name });
  if (typeof plugin.description !== "string") throw new InvalidPluginError(name, "description must be a string");
  if (taken.has(name)) throw new DuplicatePluginError(name);

  let infos: unknown;
  try {
    infos = plugin.listActions();
  } catch (error) {
    throw new InvalidPluginError(name, `listActions() threw: ${messageText(error)}`, error);
  }
  if (!Array.isArray(infos)) throw new InvalidPluginError(name, "listActions() must return an array");
  const fields = (infos as unknown[]).map((raw) => readAction(name, raw));
  // Schemas that declare `$id` are registered inside ajv under that id: they get an ajv of
  // their own, so ids never collide between plugins and a failed registration leaves none behind.
  const compiler = fields.some((field) => declaresId(field.parameters, 0)) ? createAjv() : ajv;
  const actions = new Map<string, ActionEntry>();
  for (const field of fields) {
    if (actions.has(field.name)) throw new InvalidPluginError(name, `action "${field.name}" is listed twice`);
    actions.set(field.name, { info: field, check: paramsCheck(name, field.name, compile(field, compiler)) });
  }
  const actionList = Object.freeze([...actions.values()].map((entry) => entry.info));
  return { plugin, name, state: "pending", actions, actionList, setup: undefined, setupError: undefined };
}

/** One entry of `listActions()`, each property read once and checked. */
function readAction(plugin: string, raw: unknown): RegisteredAction {
  if (typeof raw !== "object" || raw === null) {
    throw new InvalidPluginError(plugin, "listActions() returned a non-object action");
  }
  const { name: action, description, tier, parameters } = raw as Record<string, unknown>;
  if (typeof action !== "string" || !ACTION_NAME_PATTERN.test(action) || action.includes("__")) {
    throw new InvalidPluginError(
      plugin,
      `action name ${JSON.stringify(action)} must match ${String(ACTION_NAME_PATTERN)} and must not contain "__"`,
    );
  }
  if (typeof description !== "string") {
    throw new InvalidPluginError(plugin, `action "${action}" description must be a string`);
  }
  if (typeof tier !== "string" || !TIERS.has(tier)) {
    throw new InvalidPluginError(
      plugin,
      `action "${action}" tier ${JSON.stringify(tier)} is not AUTO, CONFIRM or ADMIN`,
    );
  }
  if (parameters !== undefined && !isPlainObject(parameters)) {
    throw new InvalidSchemaError(plugin, action, "parameters must be a JSON Schema object");
  }
  return Object.freeze({
    plugin,
    name: action,
    description,
    tier: tier as ActionTier,
    ...(parameters === undefined ? {} : { parameters }),
  });
}

/** The action's compiled schema; `undefined` when it declares none. */
function compile(info: RegisteredAction, ajv: Ajv): ValidateFunction | undefined {
  if (info.parameters === undefined) return undefined;
  let validate: ValidateFunction;
  try {
    validate = compileSchema(ajv, info.parameters);
  } catch (error) {
    throw new InvalidSchemaError(info.plugin, info.name, error);
  }
  if ((validate as { $async?: unknown }).$async === true) {
    // ajv would return a promise, which `execute` cannot wait for before the tier check.
    throw new InvalidSchemaError(
      info.plugin,
      info.name,
      "$async schemas are not supported: parameters are validated synchronously",
    );
  }
  return validate;
}

/** True when a `$id` appears anywhere in the schema (bounded depth; deeper schemas count as declaring one). */
function declaresId(schema: unknown, depth: number): boolean {
  if (typeof schema !== "object" || schema === null) return false;
  if (depth > 64) return true;
  if (Array.isArray(schema)) return schema.some((item) => declaresId(item, depth + 1));
  if (Object.hasOwn(schema, "$id")) return true;
  return Object.values(schema).some((value) => declaresId(value, depth + 1));
}
