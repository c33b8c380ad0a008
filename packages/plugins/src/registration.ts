import type { Ajv, ValidateFunction } from "ajv";
import { DuplicatePluginError, InvalidPluginError, InvalidSchemaError } from "./errors.js";
import type { Logger } from "./logger.js";
import { ActionTier, type Plugin, type PluginActionInfo, type PluginState } from "./models.js";
import { messageOf } from "./redact.js";
import {
  compileSchema,
  createAjv,
  isClosedSchema,
  isPlainObject,
  paramsChecker,
  type ParamsChecker,
} from "./validation.js";

/** Plugin names: lower case, safe in tool names `<plugin>__<action>`. */
export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9_-]*$/;
/** Action names: safe in tool names `<plugin>__<action>`. */
export const ACTION_NAME_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const METHODS = ["setup", "teardown", "listActions", "executeAction", "health"] as const;
const TIERS = new Set<string>(Object.values(ActionTier));

/** An action as the registry lists it: the action info plus its plugin's name. */
export interface RegisteredAction extends PluginActionInfo {
  /** Name of the plugin offering the action. */
  readonly plugin: string;
}

/** A registered action with its schema compiled and analysed once. */
export interface ActionEntry {
  readonly info: RegisteredAction;
  readonly validate: ValidateFunction | undefined;
  /** Whether the schema is closed all the way down (see `isClosedSchema`). */
  readonly closed: boolean;
  /** The params check `execute` applies (shape, then schema). */
  readonly check: ParamsChecker;
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
  /** The action looked up last (a lookup cache). */
  lastAction: ActionEntry | undefined;
}

/** True when `name` is usable as a plugin name. */
export const isValidPluginName = (name: unknown): name is string =>
  typeof name === "string" && PLUGIN_NAME_PATTERN.test(name) && !name.includes("__");

/**
 * Checks everything about a plugin that can be checked before it runs and
 * compiles its schemas, so a broken plugin fails at registration, not at
 * its first call. The action list is read once here.
 */
export function buildEntry(candidate: unknown, taken: ReadonlySet<string>, ajv: Ajv, logger: Logger): PluginEntry {
  if (typeof candidate !== "object" || candidate === null) {
    throw new InvalidPluginError(
      undefined,
      `expected an object, got ${candidate === null ? "null" : typeof candidate}`,
    );
  }
  const plugin = candidate as Plugin;
  const name: unknown = plugin.name;
  if (typeof name !== "string" || name === "") throw new InvalidPluginError(undefined, "name is missing or empty");
  if (!isValidPluginName(name)) {
    throw new InvalidPluginError(name, `name must match ${String(PLUGIN_NAME_PATTERN)} and must not contain "__"`);
  }
  for (const method of METHODS) {
    if (typeof plugin[method] !== "function") throw new InvalidPluginError(name, `method ${method}() is missing`);
  }
  if (typeof plugin.version !== "string" || plugin.version === "") {
    throw new InvalidPluginError(name, "version is missing or empty");
  }
  if (!SEMVER.test(plugin.version)) {
    logger.warn(`plugin "${name}" version "${plugin.version}" is not semver`, { plugin: name });
  }
  if (typeof plugin.description !== "string") throw new InvalidPluginError(name, "description must be a string");
  if (taken.has(name)) throw new DuplicatePluginError(name);

  let infos: unknown;
  try {
    infos = plugin.listActions();
  } catch (error) {
    throw new InvalidPluginError(name, `listActions() threw: ${messageOf(error)}`, error);
  }
  if (!Array.isArray(infos)) throw new InvalidPluginError(name, "listActions() must return an array");
  const actions = new Map<string, ActionEntry>();
  const actionList: RegisteredAction[] = [];
  // Schemas that declare `$id` are registered inside ajv under that id: they get an ajv of
  // their own, so ids never collide between plugins and a failed registration leaves none behind.
  const compiler = (infos as unknown[]).some((raw) =>
    declaresId((raw as { parameters?: unknown } | null)?.parameters, 0),
  )
    ? createAjv()
    : ajv;
  for (const raw of infos as unknown[]) {
    const entry = buildAction(name, raw, compiler);
    if (actions.has(entry.info.name)) throw new InvalidPluginError(name, `action "${entry.info.name}" is listed twice`);
    actions.set(entry.info.name, entry);
    actionList.push(entry.info);
  }
  return {
    plugin,
    name,
    state: "pending",
    actions,
    actionList: Object.freeze(actionList),
    setup: undefined,
    setupError: undefined,
    lastAction: undefined,
  };
}

function buildAction(plugin: string, raw: unknown, ajv: Ajv): ActionEntry {
  if (typeof raw !== "object" || raw === null) {
    throw new InvalidPluginError(plugin, "listActions() returned a non-object action");
  }
  const info = raw as unknown as PluginActionInfo;
  const action: unknown = info.name;
  if (typeof action !== "string" || !ACTION_NAME_PATTERN.test(action) || action.includes("__")) {
    throw new InvalidPluginError(
      plugin,
      `action name ${JSON.stringify(action)} must match ${String(ACTION_NAME_PATTERN)} and must not contain "__"`,
    );
  }
  if (typeof info.description !== "string") {
    throw new InvalidPluginError(plugin, `action "${action}" description must be a string`);
  }
  if (!TIERS.has(info.tier)) {
    throw new InvalidPluginError(
      plugin,
      `action "${action}" tier ${JSON.stringify(info.tier)} is not AUTO, CONFIRM or ADMIN`,
    );
  }
  let validate: ValidateFunction | undefined;
  let closed = false;
  if (info.parameters !== undefined) {
    if (!isPlainObject(info.parameters))
      throw new InvalidSchemaError(plugin, action, "parameters must be a JSON Schema object");
    try {
      validate = compileSchema(ajv, info.parameters);
    } catch (error) {
      throw new InvalidSchemaError(plugin, action, error);
    }
    if ((validate as { $async?: unknown }).$async === true) {
      // ajv would return a promise, which `execute` cannot wait for before the tier check.
      throw new InvalidSchemaError(
        plugin,
        action,
        "$async schemas are not supported: parameters are validated synchronously",
      );
    }
    closed = isClosedSchema(info.parameters);
  }
  const registered: RegisteredAction = Object.freeze({
    plugin,
    name: action,
    description: info.description,
    tier: info.tier,
    ...(info.parameters === undefined ? {} : { parameters: info.parameters }),
  });
  return { info: registered, validate, closed, check: paramsChecker(validate, closed) };
}

/** True when a `$id` appears anywhere in the schema (bounded depth; deeper schemas count as declaring one). */
function declaresId(schema: unknown, depth: number): boolean {
  if (typeof schema !== "object" || schema === null) return false;
  if (depth > 64) return true;
  if (Array.isArray(schema)) return schema.some((item) => declaresId(item, depth + 1));
  if (Object.hasOwn(schema, "$id")) return true;
  return Object.values(schema).some((value) => declaresId(value, depth + 1));
}
