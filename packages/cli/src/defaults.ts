/** What the CLI uses where a command line leaves something out. */
export const CLI_DEFAULTS = {
  /** Model turns of `cortex run` without `--max-steps`. */
  maxSteps: 10,
  /** Model turns of `cortex demo`: with the scripted model, and with a real one. */
  demoSteps: { scripted: 4, real: 10 },
  /** How long a CONFIRM/ADMIN call waits for a person at the prompt (the registry's default is 2 minutes). */
  approvalTimeoutMs: 30 * 60_000,
  /** How long `cortex --help` waits for each installed plugin to load, to list its credentials. */
  helpLoadTimeoutMs: 5_000,
  /** How long the bin waits for output to drain after a command, before it exits anyway. */
  exitDrainMs: 2_000,
  /** Longest one-line rendering of a value in progress lines. */
  compactWidth: 160,
  /** Column width the demo wraps its answer to. */
  wrapWidth: 96,
} as const;
