import { isCortexError, isPlainObject, type Logger } from "@cortex/primitives";
import type { ValidateFunction } from "ajv";
import { readCredentials, type DeclaredCredential } from "./credentials.js";
import {
  messageText,
  DuplicatePluginError,
  InvalidExampleError,
  InvalidPluginError,
  InvalidSchemaError,
  ValidationError,
} from "./errors.js";
import { ActionTier, type Plugin, type PluginActionInfo, type PluginState } from "./models.js";
import { compileSchema, Compilers, paramsCheck, type ParamsCheck } from "./validation.js";

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
  /** Replaced whole when the plugin's actions are read again (after setup, or when it reports a change). */
  actions: ReadonlyMap<string, ActionEntry>;
  actionList: readonly RegisteredAction[];
  /** The credentials the plugin declares; `undefined` when it declares none. */
  readonly credentials: ReadonlyMap<string, DeclaredCredential> | undefined;
  setup: Promise<void> | undefined;
  setupError: unknown;
}

/** How a registry reads actions. */
export interface ReadOptions {
  readonly compilers: Compilers;
  readonly logger: Logger;
  /** Check each action's `examples` against its schema. */
  readonly checkExamples: boolean;
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
export function buildEntry(candidate: unknown, taken: ReadonlySet<string>, options: ReadOptions): PluginEntry {
  let name: string | undefined;
  try {
    return inspect(candidate, taken, options, (found) => (name = found));
  } catch (error) {
    if (isCortexError(error)) throw error;
    throw new InvalidPluginError(name, `reading the plugin threw: ${messageText(error)}`, error);
  }
}

function inspect(
  candidate: unknown,
  taken: ReadonlySet<string>,
  options: ReadOptions,
  named: (name: string) => void,
): PluginEntry {
  const { logger } = options;
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
  for (const optional of ["preview", "onActionsChanged"] as const) {
    const member: unknown = (plugin as unknown as Record<string, unknown>)[optional];
    if (member !== undefined && typeof member !== "function") {
      throw new InvalidPluginError(name, `${optional} must be a method when present`);
    }
  }
  const credentials = readCredentials(name, plugin.credentials);
  const { actions, actionList } = readActions(name, plugin, options);
  return { plugin, name, state: "pending", actions, actionList, credentials, setup: undefined, setupError: undefined };
}

/**
 * Reads and checks `plugin.listActions()`, compiling each schema and (when
 * asked) checking each example: at registration, and again whenever the
 * plugin's actions may have changed. Throws the coded error of the first defect.
 */
export function readActions(
  name: string,
  plugin: Plugin,
  options: ReadOptions,
): { actions: ReadonlyMap<string, ActionEntry>; actionList: readonly RegisteredAction[] } {
  let infos: unknown;
  try {
    infos = plugin.listActions();
  } catch (error) {
    // A typed plugin reports a schema it cannot convert with its own coded error.
    if (isCortexError(error)) throw error;
    throw new InvalidPluginError(name, `listActions() threw: ${messageText(error)}`, error);
  }
  if (!Array.isArray(infos)) throw new InvalidPluginError(name, "listActions() must return an array");
  const fields = (infos as unknown[]).map((raw) => readAction(name, raw));
  // Schemas that declare `$id` are registered inside ajv under that id: they get ajvs of
  // their own, so ids never collide between plugins and a failed registration leaves none behind.
  const compilers = fields.some((field) => declaresId(field.parameters, 0)) ? new Compilers() : options.compilers;
  const actions = new Map<string, ActionEntry>();
  for (const field of fields) {
    if (actions.has(field.name)) throw new InvalidPluginError(name, `action "${field.name}" is listed twice`);
    const check = paramsCheck(name, field.name, compile(field, compilers));
    if (options.checkExamples) checkExamples(field, check);
    actions.set(field.name, { info: field, check });
  }
  const actionList = Object.freeze([...actions.values()].map((entry) => entry.info));
  return { actions, actionList };
}

/**
 * Reads a registered plugin's actions again (after its setup, or when it
 * reports a change), checked and compiled as at registration. A list that
 * fails those checks is logged and ignored: the plugin keeps the actions it had.
 */
export function rereadActions(
  entry: PluginEntry,
  options: ReadOptions,
  redactor: { error(error: unknown): unknown },
  why: string,
): void {
  if (entry.state === "closed") return;
  try {
    const { actions, actionList } = readActions(entry.name, entry.plugin, options);
    entry.actions = actions;
    entry.actionList = actionList;
  } catch (error) {
    const message = messageText(redactor.error(error));
    options.logger.error(`reading the actions of plugin "${entry.name}" after ${why} failed: ${message}`, {
      plugin: entry.name,
      code: isCortexError(error) ? error.code : undefined,
    });
  }
}

/**
 * Subscribes `onChange` to the plugin's `onActionsChanged`, if it has one
 * (`CORTEX_INVALID_PLUGIN` when that throws). Returns the unsubscribe
 * function, which never throws.
 */
export function subscribe(entry: PluginEntry, onChange: () => void): (() => void) | undefined {
  let unsubscribe: unknown;
  try {
    unsubscribe = entry.plugin.onActionsChanged?.(onChange);
  } catch (error) {
    throw new InvalidPluginError(entry.name, `onActionsChanged() threw: ${messageText(error)}`, error);
  }
  if (typeof unsubscribe !== "function") return undefined;
  return () => {
    try {
      (unsubscribe as () => void)();
    } catch {
      // Unsubscribing at shutdown: a plugin that fails to forget the listener only keeps the registry alive.
    }
  };
}

/** Throws `CORTEX_INVALID_EXAMPLE` for the first example the action's own check refuses. */
function checkExamples(info: RegisteredAction, check: ParamsCheck): void {
  info.examples?.forEach((example, index) => {
    try {
      check(example);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new InvalidExampleError(info.plugin, info.name, index, error.issues);
    }
  });
}

/** One entry of `listActions()`, each property read once and checked. */
function readAction(plugin: string, raw: unknown): RegisteredAction {
  if (typeof raw !== "object" || raw === null) {
    throw new InvalidPluginError(plugin, "listActions() returned a non-object action");
  }
  const {
    name: action,
    description,
    tier,
    parameters,
    idempotent,
    readOnly,
    examples,
  } = raw as Record<string, unknown>;
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
  for (const [flag, value] of [
    ["idempotent", idempotent],
    ["readOnly", readOnly],
  ] as const) {
    if (value !== undefined && typeof value !== "boolean") {
      throw new InvalidPluginError(plugin, `action "${action}" ${flag} must be true or false`);
    }
  }
  if (examples !== undefined && (!Array.isArray(examples) || !examples.every((e) => isPlainObject(e)))) {
    throw new InvalidPluginError(plugin, `action "${action}" examples must be an array of params objects`);
  }
  return Object.freeze({
    plugin,
    name: action,
    description,
    tier: tier as ActionTier,
    ...(parameters === undefined ? {} : { parameters }),
    ...(idempotent === true ? { idempotent } : {}),
    ...(readOnly === true ? { readOnly } : {}),
    ...(examples === undefined ? {} : { examples: Object.freeze([...examples]) }),
  });
}

/** The action's compiled schema; `undefined` when it declares none. */
function compile(info: RegisteredAction, compilers: Compilers): ValidateFunction | undefined {
  if (info.parameters === undefined) return undefined;
  let validate: ValidateFunction;
  try {
    validate = compileSchema(compilers.for(info.parameters), info.parameters);
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
