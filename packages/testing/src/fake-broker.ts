import { CredentialMissingError, type CredentialBroker, type CredentialOptions } from "@cortex/plugins";

/** Options of {@link FakeBroker}. */
export interface FakeBrokerOptions {
  /** Asked for keys this broker has no value for; its answer (or error) is passed on. Still recorded. */
  fallback?: CredentialBroker;
}

/**
 * A credential broker for tests: answers from the values it was given and
 * records every key asked for, in order. A missing (or empty) key is the
 * same coded error the real brokers give: `CredentialMissingError`,
 * `CORTEX_CREDENTIAL_MISSING`.
 */
export class FakeBroker implements CredentialBroker {
  /** Every key asked for, in order, repeats included. */
  readonly requestedKeys: string[] = [];
  readonly #values: Map<string, string>;
  readonly #fallback: CredentialBroker | undefined;
  readonly #plain = new Set<string>();

  /** `values` is copied; change it later with {@link FakeBroker.set} and {@link FakeBroker.delete}. */
  constructor(values: Readonly<Record<string, string>> = {}, options: FakeBrokerOptions = {}) {
    this.#values = new Map(Object.entries(values));
    this.#fallback = options.fallback;
  }

  /** Records `key`, then resolves its value; rejects with `CORTEX_CREDENTIAL_MISSING` when there is none. */
  get(key: string, options?: CredentialOptions): Promise<string> {
    this.requestedKeys.push(key);
    if (options?.secret === false) this.#plain.add(key);
    const value = this.#values.get(key);
    if (value !== undefined && value !== "") return Promise.resolve(value);
    if (this.#fallback !== undefined)
      return options === undefined ? this.#fallback.get(key) : this.#fallback.get(key, options);
    return Promise.reject(new CredentialMissingError(key, " in FakeBroker"));
  }

  /** Sets or replaces a value, e.g. to test credential rotation. */
  set(key: string, value: string): void {
    this.#values.set(key, value);
  }

  /** Removes a value, e.g. to test a credential revoked between setups. */
  delete(key: string): void {
    this.#values.delete(key);
  }

  /** Whether `key` has been asked for at least once. */
  wasRequested(key: string): boolean {
    return this.requestedKeys.includes(key);
  }

  /** Whether `key` was asked for with `{ secret: false }`, i.e. as a setting the registry will not redact. */
  wasRequestedAsSetting(key: string): boolean {
    return this.#plain.has(key);
  }
}
