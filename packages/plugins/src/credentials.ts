import { isCortexError, isPlainObject } from "@cortex/primitives";
import { CredentialsMissingError, CredentialUndeclaredError, InvalidPluginError } from "./errors.js";
import type { CredentialBroker, CredentialOptions, CredentialSpec } from "./models.js";

/** A declared credential with its defaults filled in. */
export interface DeclaredCredential {
  readonly key: string;
  readonly description: string;
  readonly secret: boolean;
  readonly required: boolean;
  /** The variable named by the plugin (`env`), if any. */
  readonly env?: string;
}

/** A declared credential as `registry.credentials()` lists it: with the environment variable it is read from. */
export interface PluginCredentialInfo extends DeclaredCredential {
  /** Where `EnvBroker` reads it: the declared `env`, else `CORTEX_<KEY>`. */
  readonly variable: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The environment variable a credential is read from by `EnvBroker`: the
 * declared `env`, else `prefix` + the key upper-cased, every character
 * outside `[A-Za-z0-9_]` becoming `_` (`calendar_api_key` → `CORTEX_CALENDAR_API_KEY`).
 */
export function credentialVariable(key: string, spec?: { readonly env?: string }, prefix = "CORTEX_"): string {
  return spec?.env ?? prefix + key.replace(/[^A-Za-z0-9_]/g, "_").toUpperCase();
}

/**
 * How a registry names the variable of a declared credential in messages
 * and listings: its `env`, else as `broker` names it when it can (an
 * `EnvBroker`'s `variableName`, with its prefix), else {@link credentialVariable}.
 */
export function variableNamer(broker: CredentialBroker): (spec: DeclaredCredential) => string {
  const named = (broker as { variableName?: unknown }).variableName;
  return (spec) =>
    spec.env ?? (typeof named === "function" ? String(named.call(broker, spec.key)) : credentialVariable(spec.key));
}

/** The `credentials` a plugin declares, checked (at registration); `undefined` when it declares none. */
export function readCredentials(plugin: string, raw: unknown): ReadonlyMap<string, DeclaredCredential> | undefined {
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) throw new InvalidPluginError(plugin, "credentials must be an object of { description, … }");
  const declared = new Map<string, DeclaredCredential>();
  for (const [key, value] of Object.entries(raw)) {
    const where = `credential "${key}"`;
    if (key === "") throw new InvalidPluginError(plugin, "a credential key is empty");
    if (!isPlainObject(value)) throw new InvalidPluginError(plugin, `${where} must be an object`);
    const { description, secret, required, env } = value as Partial<Record<keyof CredentialSpec, unknown>>;
    if (typeof description !== "string") throw new InvalidPluginError(plugin, `${where}: description must be a string`);
    for (const [flag, given] of [
      ["secret", secret],
      ["required", required],
    ] as const) {
      if (given !== undefined && typeof given !== "boolean") {
        throw new InvalidPluginError(plugin, `${where}: ${flag} must be true or false`);
      }
    }
    if (env !== undefined && (typeof env !== "string" || !ENV_NAME.test(env))) {
      throw new InvalidPluginError(plugin, `${where}: env must be an environment variable name (${String(ENV_NAME)})`);
    }
    declared.set(
      key,
      Object.freeze({
        key,
        description,
        secret: secret !== false,
        required: required !== false,
        ...(env === undefined ? {} : { env }),
      }),
    );
  }
  return declared;
}

/** The options a broker is asked a declared key with. */
function optionsOf(spec: DeclaredCredential): CredentialOptions {
  return spec.env === undefined ? { secret: spec.secret } : { secret: spec.secret, env: spec.env };
}

/**
 * The broker a plugin that declares credentials gets: declared keys only
 * (`CORTEX_CREDENTIAL_UNDECLARED` otherwise), each asked for with its
 * declared `secret` and `env`, whatever options the plugin passes.
 */
export function scopedBroker(
  plugin: string,
  declared: ReadonlyMap<string, DeclaredCredential>,
  broker: CredentialBroker,
): CredentialBroker {
  return {
    get(key: string): Promise<string> {
      const spec = declared.get(key);
      if (spec === undefined) return Promise.reject(new CredentialUndeclaredError(plugin, key, [...declared.keys()]));
      return broker.get(key, optionsOf(spec));
    },
  };
}

/**
 * Asks `broker` for every required credential, concurrently; rejects with
 * one `CORTEX_CREDENTIALS_MISSING` listing every key that is missing and its
 * environment variable (named by `variable`). Other broker errors pass through.
 */
export async function checkRequired(
  plugin: string,
  declared: ReadonlyMap<string, DeclaredCredential>,
  broker: CredentialBroker,
  variable: (spec: DeclaredCredential) => string,
): Promise<void> {
  const required = [...declared.values()].filter((spec) => spec.required);
  const outcomes = await Promise.all(
    required.map((spec) =>
      broker.get(spec.key, optionsOf(spec)).then(
        () => undefined,
        (error: unknown) => {
          if (isCortexError(error) && error.code === "CORTEX_CREDENTIAL_MISSING") return spec;
          throw error;
        },
      ),
    ),
  );
  const missing = outcomes.filter((spec) => spec !== undefined);
  if (missing.length > 0) {
    throw new CredentialsMissingError(
      plugin,
      missing.map((spec) => ({ key: spec.key, variable: variable(spec) })),
    );
  }
}
