/** What the test kit uses for each option left out. */
export const TESTING_DEFAULTS = {
  /** Limit, in ms, of each plugin method the contract calls directly (`timeoutMs` of the contract's options). */
  contractTimeoutMs: 5_000,
  /** How many of those limits one check of `describePluginContract` may take: setup, an action and teardown. */
  checkTimeoutFactor: 4,
} as const;
