/** Structured context attached to a log line (hook, extension, error, …). */
export type LogFields = Record<string, unknown>;

/**
 * Where the bus reports what it cannot throw: hook failures (`warn`),
 * flush timeouts (`warn`) and registrations (`debug`). Any structured
 * logger (pino, winston, console) fits behind four methods. A logger that
 * throws is ignored by the bus, never propagated.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function noop(): void {
  // Deliberately empty: levels the logger does not report.
}

/**
 * The default logger: `warn` and `error` go to `console.warn` and
 * `console.error`; `debug` and `info` are dropped so a bus is quiet unless
 * something went wrong.
 */
export const consoleLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn(message: string, fields?: LogFields): void {
    if (fields === undefined) console.warn(message);
    else console.warn(message, fields);
  },
  error(message: string, fields?: LogFields): void {
    if (fields === undefined) console.error(message);
    else console.error(message, fields);
  },
});

/** A logger that drops everything; for tests and for callers that watch `errorCounts()` instead. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});
