import type { JsonSchema, StandardSchemaV1 } from "@cortex/primitives";
import type {
  ActionContext,
  ActionPreview,
  ActionTier,
  Awaitable,
  CredentialBroker,
  CredentialSpec,
  PluginHealthStatus,
} from "./models.js";

/** What an action's `input` and `output` accept: any Standard Schema (zod 4, valibot, arktype…) or a JSON Schema object. */
export type ActionSchema = StandardSchemaV1 | JsonSchema;

/** What `run` and `preview` receive for an `input` schema: its parsed (output) type; a params object for a JSON Schema. */
export type ActionInput<S> = S extends StandardSchemaV1<unknown, infer Output> ? Output : Record<string, unknown>;

/** What `examples` are written as: the `input` schema's input type; a params object for a JSON Schema. */
export type ActionExample<S> = S extends StandardSchemaV1<infer Input, unknown> ? Input : Record<string, unknown>;

/** What `run` must return for an `output` schema: the data it describes; anything JSON for a JSON Schema. */
export type ActionOutput<S> = S extends StandardSchemaV1<infer Input, unknown> ? Input : unknown;

/** One action of {@link definePlugin}. */
export interface ActionDefinition<I extends ActionSchema = ActionSchema> {
  /** What the action does; shown to the model. */
  readonly description: string;
  /** Risk tier the registry enforces before `run`. */
  readonly tier: ActionTier;
  /** The params: their JSON Schema (what the model sees and the registry validates) is derived from it. */
  readonly input: I;
  /** The data `run` returns: a compile-time check of `run`'s return type. */
  readonly output?: ActionSchema;
  /** Params the action accepts; each must pass `input` (checked at registration in development, and by the contract suite). */
  readonly examples?: readonly ActionExample<I>[];
  /** What a call would change, without changing anything: shown to whoever approves a CONFIRM/ADMIN call. */
  readonly preview?: (input: ActionInput<I>, ctx: ActionContext) => Awaitable<ActionPreview>;
  /** Safe to run again after a crash (durable workers retry only these). Default `false`. */
  readonly idempotent?: boolean;
  /** Changes nothing (announced as read-only). Default `false`. */
  readonly readOnly?: boolean;
  /** Does the work. Returning is success with the value as `data`; throwing is a failure result. */
  readonly run: (input: ActionInput<I>, ctx: ActionContext) => unknown;
}

/** The compile-time check of one action's `run` against its `output` schema (see {@link definePlugin}). */
export type OutputCheck<D> = D extends {
  readonly output: StandardSchemaV1<infer Output, unknown>;
  readonly run: (...args: never[]) => infer Returned;
}
  ? Awaited<Returned> extends Output
    ? unknown
    : { readonly run: (...args: never[]) => Awaitable<Output> }
  : unknown;

/** The values `setup` receives: required keys as strings, optional ones (`required: false`) maybe `undefined`. */
export type CredentialValues<C> = {
  readonly [K in keyof C]: C[K] extends { readonly required: false } ? string | undefined : string;
};

/** What `setup` of {@link definePlugin} receives. */
export interface SetupContext<C> {
  /** Every declared credential the broker has: checked against the declaration before `setup` runs. */
  readonly credentials: CredentialValues<C>;
  /** The broker, scoped to the declared keys when run by a registry. */
  readonly broker: CredentialBroker;
}

/** What `health` of {@link definePlugin} returns; the plugin's name is filled in. */
export interface HealthAnswer {
  readonly status: PluginHealthStatus;
  readonly details?: Record<string, unknown>;
  readonly error?: string;
}

/** The argument of {@link definePlugin}. */
export interface PluginDefinition<I extends Record<string, ActionSchema>, C extends Record<string, CredentialSpec>, A> {
  /** Plugin name: `^[a-z][a-z0-9-]*(_[a-z0-9-]+)*$`. */
  readonly name: string;
  /** Version, semver. */
  readonly version: string;
  /** What the plugin is for. */
  readonly description: string;
  /** The credentials (and settings) the plugin reads, by key. */
  readonly credentials?: C;
  /** Runs once before the first action, with the declared credentials. Throwing marks the plugin failed. */
  readonly setup?: (ctx: SetupContext<C>) => Awaitable<void>;
  /** Releases what `setup` acquired; may run more than once. */
  readonly teardown?: () => Awaitable<void>;
  /** The plugin's health; default HEALTHY once set up, UNKNOWN before. */
  readonly health?: () => Awaitable<HealthAnswer>;
  /** The actions, by name. */
  readonly actions: { readonly [K in keyof I]: ActionDefinition<I[K]> } & A;
}
