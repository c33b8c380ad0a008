/**
 * Where the registry reports what it cannot throw (plugin failures,
 * teardown errors, warnings). Same shape as `@cortex/hooks`' logger, defined
 * here so the two packages stay independent.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const withFields = (fields?: Record<string, unknown>): unknown[] => (fields === undefined ? [] : [fields]);

/**
 * Logs to the console, prefixed `[cortex:plugins]`; the registry's default.
 * `debug` lines print only when the `CORTEX_DEBUG` environment variable is
 * set, so a default registry stays quiet unless something goes wrong.
 */
export const consoleLogger: Logger = {
  debug: (message, fields) => {
    if (process.env.CORTEX_DEBUG) console.debug(`[cortex:plugins] ${message}`, ...withFields(fields));
  },
  info: (message, fields) => console.info(`[cortex:plugins] ${message}`, ...withFields(fields)),
  warn: (message, fields) => console.warn(`[cortex:plugins] ${message}`, ...withFields(fields)),
  error: (message, fields) => console.error(`[cortex:plugins] ${message}`, ...withFields(fields)),
};

const noop = (): void => undefined;

/** Drops everything; for tests and embedders that log elsewhere. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
