import { isCortexError, isStandardSchema, toJsonSchema, validateStandard, type JsonSchema } from "@cortex/primitives";
import type {
  ActionDefinition,
  ActionInput,
  ActionSchema,
  CredentialValues,
  OutputCheck,
  PluginDefinition,
} from "./define-types.js";
import { InvalidSchemaError, messageText, ValidationError } from "./errors.js";
import type {
  ActionContext,
  ActionPreview,
  CredentialBroker,
  CredentialSpec,
  Plugin,
  PluginActionInfo,
  PluginHealthReport,
  PluginResult,
} from "./models.js";

const NEVER = new AbortController().signal;

/**
 * A plugin made by {@link definePlugin}: the class-form `Plugin` contract
 * the registry and discovery accept, plus its typed `actions`. Extend it to
 * give a typed plugin a constructor (options, getters).
 */
export class DefinedPlugin<
  I extends Record<string, ActionSchema> = Record<string, ActionSchema>,
  C extends Record<string, CredentialSpec> = Record<string, CredentialSpec>,
> implements Plugin {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** The declared credentials (an empty object when the definition has none). */
  readonly credentials: Readonly<C>;
  /** The action definitions, by name: call `actions.x.run(input, ctx)` directly in unit tests. */
  readonly actions: { readonly [K in keyof I]: ActionDefinition<I[K]> };
  /** The definition the plugin was made from: a subclass passes `definePlugin(...).definition` to `super`. */
  readonly definition: PluginDefinition<I, C, unknown>;
  #infos: readonly PluginActionInfo[] | undefined;
  #ready = false;

  constructor(definition: PluginDefinition<I, C, unknown>) {
    this.definition = definition;
    this.name = definition.name;
    this.version = definition.version;
    this.description = definition.description;
    this.credentials = Object.freeze({ ...(definition.credentials ?? ({} as C)) });
    this.actions = Object.freeze({ ...definition.actions });
  }

  /** Reads the declared credentials (a missing optional one is left out), then runs the definition's `setup`. */
  async setup(broker: CredentialBroker): Promise<void> {
    const values: Record<string, string> = {};
    for (const [key, spec] of Object.entries(this.credentials) as [string, CredentialSpec][]) {
      const options = { secret: spec.secret !== false, ...(spec.env === undefined ? {} : { env: spec.env }) };
      try {
        values[key] = await broker.get(key, options);
      } catch (error) {
        if (spec.required === false && isCortexError(error) && error.code === "CORTEX_CREDENTIAL_MISSING") continue;
        throw error;
      }
    }
    await this.definition.setup?.({ credentials: Object.freeze(values) as CredentialValues<C>, broker });
    this.#ready = true;
  }

  /** Runs the definition's `teardown`. */
  async teardown(): Promise<void> {
    this.#ready = false;
    await this.definition.teardown?.();
  }

  /**
   * Each action's info, its JSON Schema derived from `input` once. Throws
   * `CORTEX_INVALID_SCHEMA` naming the action when a schema cannot be
   * converted (a Standard Schema without a Standard JSON Schema converter).
   */
  listActions(): readonly PluginActionInfo[] {
    return (this.#infos ??= Object.freeze(
      Object.entries(this.actions).map(([action, def]) => this.#info(action, def as ActionDefinition)),
    ));
  }

  #info(action: string, def: ActionDefinition): PluginActionInfo {
    let parameters: JsonSchema | undefined;
    try {
      parameters = toJsonSchema(def.input, { io: "input" });
    } catch (error) {
      throw new InvalidSchemaError(this.name, action, `converting it to JSON Schema threw: ${messageText(error)}`);
    }
    if (parameters === undefined) {
      throw new InvalidSchemaError(
        this.name,
        action,
        isStandardSchema(def.input)
          ? `its ${def.input["~standard"].vendor} schema cannot be converted to JSON Schema ` +
              "(it has no Standard JSON Schema converter; for valibot wrap it in toStandardJsonSchema)"
          : "input must be a Standard Schema or a JSON Schema object",
      );
    }
    return Object.freeze({
      name: action,
      description: def.description,
      tier: def.tier,
      parameters,
      ...(def.idempotent === undefined ? {} : { idempotent: def.idempotent }),
      ...(def.readOnly === undefined ? {} : { readOnly: def.readOnly }),
      ...(def.examples === undefined ? {} : { examples: def.examples as readonly Record<string, unknown>[] }),
    });
  }

  /**
   * Parses params with the action's schema and runs it: a returned value is
   * `{ success: true, data }`; a thrown `CortexError` is a failure with its
   * code; anything else thrown is left to the registry (`CORTEX_PLUGIN_ERROR`).
   */
  async executeAction(action: string, params: Record<string, unknown>, context?: ActionContext): Promise<PluginResult> {
    const def = this.#action(action);
    if (def === undefined) return this.#unknown(action);
    try {
      const input = await this.#parse(action, def, params);
      const data: unknown = await def.run(input, context ?? this.#context(action));
      return data === undefined ? { success: true } : { success: true, data };
    } catch (error) {
      if (isCortexError(error))
        return { success: false, error: `${this.name}.${action}: ${error.message}`, code: error.code };
      throw error;
    }
  }

  /** The action's preview of params, parsed as `executeAction` parses them; `undefined` when it has none. */
  async preview(
    action: string,
    params: Record<string, unknown>,
    context?: ActionContext,
  ): Promise<ActionPreview | undefined> {
    const def = this.#action(action);
    if (def?.preview === undefined) return undefined;
    return def.preview(await this.#parse(action, def, params), context ?? this.#context(action));
  }

  /** The definition's `health`, named; default HEALTHY once set up, UNKNOWN before. */
  async health(): Promise<PluginHealthReport> {
    const own = this.definition.health;
    if (own === undefined) return { plugin: this.name, status: this.#ready ? "HEALTHY" : "UNKNOWN" };
    return { ...(await own()), plugin: this.name };
  }

  #action(action: string): ActionDefinition | undefined {
    return Object.hasOwn(this.actions, action) ? this.actions[action] : undefined;
  }

  #unknown(action: string): PluginResult {
    const names = Object.keys(this.actions).join(", ") || "none";
    return {
      success: false,
      code: "CORTEX_ACTION_NOT_FOUND",
      error: `plugin "${this.name}" has no action "${action}" (actions: ${names})`,
    };
  }

  /** The Standard Schema's parse of params (defaults, transforms); a JSON Schema's params as they are. */
  async #parse(
    action: string,
    def: ActionDefinition,
    params: Record<string, unknown>,
  ): Promise<ActionInput<ActionSchema>> {
    if (!isStandardSchema(def.input)) return params;
    const parsed = await validateStandard(def.input, params);
    if (parsed.issues !== undefined) throw new ValidationError(this.name, action, parsed.issues);
    return parsed.value;
  }

  #context(action: string): ActionContext {
    return { signal: NEVER, callId: `${this.name}.${action}` };
  }
}

/**
 * Defines a plugin from its actions' schemas: `input` is inferred in `run`
 * and `preview`, `run`'s return is checked against `output`, `examples`
 * against `input`, all at compile time. Returns a {@link DefinedPlugin}:
 * a `Plugin` that `register` and discovery accept, the JSON Schema of each
 * action derived from its `input` (see `ActionSchema`).
 */
export function definePlugin<
  const I extends Record<string, ActionSchema>,
  const C extends Record<string, CredentialSpec> = Record<never, CredentialSpec>,
  A extends { [K in keyof A]: OutputCheck<A[K]> } = Record<never, never>,
>(definition: PluginDefinition<I, C, A>): DefinedPlugin<I, C> {
  return new DefinedPlugin<I, C>(definition);
}
