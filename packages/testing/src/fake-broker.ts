import { CredentialMissingError, type CredentialBroker } from "@cortex/plugins";

/**
 * A credential broker for tests: answers from the values it was given and
 * records every key asked for, in order. A missing key is the same coded
 * error (`CORTEX_CREDENTIAL_MISSING`) the real brokers give.
 */
export class FakeBroker implements CredentialBroker {
  /** Every key asked for, in order, repeats included. */
  readonly requestedKeys: string[] = [];
  readonly #values: Map<string, string>;

  constructor(values: Readonly<Record<string, string>> = {}) {
    this.#values = new Map(Object.entries(values));
  }

  get(key: string): Promise<string> {
    this.requestedKeys.push(key);
    const value = this.#values.get(key);
    if (value === undefined) return Promise.reject(new CredentialMissingError(key, " in FakeBroker"));
    return Promise.resolve(value);
  }

  /** Sets or replaces a value, e.g. to test credential rotation. */
  set(key: string, value: string): void {
    this.#values.set(key, value);
  }
}
