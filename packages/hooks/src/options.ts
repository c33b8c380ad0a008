import { consoleLogger, type Logger } from "@cortex/primitives";

/** What a `HookBus` uses for each option left out. */
export const HOOKS_DEFAULTS = {
  /** How long `flush()` waits, in ms, before reporting hooks still running. */
  flushTimeoutMs: 5_000,
  /** Receives hook failures and flush timeouts: warnings and errors to standard error. */
  logger: consoleLogger,
} as const;

/** Options for `HookBus`; every one has a default. */
export interface HookBusOptions {
  /** Receives hook failures and flush timeouts (`warn`) and registrations (`debug`). Default: the console logger (stderr). */
  readonly logger?: Logger;
  /** Default deadline of `flush()` in ms; `Infinity` waits forever. Default 5 000 ({@link HOOKS_DEFAULTS}). */
  readonly flushTimeoutMs?: number;
}
