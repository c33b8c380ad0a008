import { CredentialMissingError } from "./errors.js";
import type { CredentialBroker, CredentialOptions } from "./models.js";

/** Options of {@link EnvBroker}. */
export interface EnvBrokerOptions {
  /** Prefix of every variable name; default `"CORTEX_"`. Pass `""` for none. */
  prefix?: string;
  /** Where to read variables; default `process.env`, read at each `get`. */
  env?: Record<string, string | undefined>;
}

/**
 * Credentials from environment variables. A key maps to
 * `prefix + KEY_IN_UPPER_CASE`, every character outside `[A-Za-z0-9_]`
 * becoming `_`: `calendar_api_key` → `CORTEX_CALENDAR_API_KEY`,
 * `github.token` → `CORTEX_GITHUB_TOKEN`; a key whose plugin declares an
 * `env` is read from that variable instead. An unset or empty variable is
 * `CORTEX_CREDENTIAL_MISSING`.
 */
export class EnvBroker implements CredentialBroker {
  private readonly prefix: string;
  private readonly env: Record<string, string | undefined> | undefined;

  constructor(options: EnvBrokerOptions = {}) {
    this.prefix = options.prefix ?? "CORTEX_";
    this.env = options.env;
  }

  /** The environment variable `key` is read from. */
  variableName(key: string): string {
    return this.prefix + key.replace(/[^A-Za-z0-9_]/g, "_").toUpperCase();
  }

  /**
   * Resolves the variable's value (the `env` a plugin declared for the key,
   * else {@link EnvBroker.variableName}); rejects with `CORTEX_CREDENTIAL_MISSING` when unset or empty.
   */
  get(key: string, options?: CredentialOptions): Promise<string> {
    const variable = options?.env ?? this.variableName(key);
    const value = (this.env ?? process.env)[variable];
    if (value === undefined || value === "") {
      return Promise.reject(new CredentialMissingError(key, ` (environment variable ${variable} is not set)`));
    }
    return Promise.resolve(value);
  }
}

/** Credentials held in memory; for tests, scripts and embedders with their own secret store. */
export class MemoryBroker implements CredentialBroker {
  private readonly values: Map<string, string>;

  /** `values` is copied; later changes go through {@link MemoryBroker.set}. */
  constructor(values: Record<string, string> | ReadonlyMap<string, string> = {}) {
    this.values = new Map<string, string>(
      values instanceof Map ? (values as ReadonlyMap<string, string>) : Object.entries(values),
    );
  }

  /** Add or replace a credential. */
  set(key: string, value: string): this {
    this.values.set(key, value);
    return this;
  }

  /** Resolves the value; rejects with `CORTEX_CREDENTIAL_MISSING` when there is none (or it is empty). */
  get(key: string): Promise<string> {
    const value = this.values.get(key);
    if (value === undefined || value === "") return Promise.reject(new CredentialMissingError(key));
    return Promise.resolve(value);
  }
}
