import { InvalidOptionsError } from "./errors.js";

/** Structured context attached to a log line (plugin, hook, error, …). */
export type LogFields = Record<string, unknown>;

/**
 * Where a Cortex package reports what it cannot throw: plugin and hook
 * failures, timeouts, teardown errors. Any structured logger (pino,
 * winston, console) fits behind these four methods. Cortex never lets a
 * logger that throws fail the work it was reporting on.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** The levels in increasing severity, and `silent` for nothing. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

/** A level of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /**
   * The lowest level printed. Default: `CORTEX_LOG_LEVEL` from the
   * environment when it names a level, `debug` when `CORTEX_DEBUG` is set,
   * otherwise `warn`.
   */
  level?: LogLevel;
  /** Put before every line, e.g. `[cortex:plugins]`. Default `[cortex]`. */
  prefix?: string;
}

const noop = (): void => undefined;

/** The level the environment asks for, read once when a logger is created. */
function levelFromEnvironment(): LogLevel {
  const asked = process.env.CORTEX_LOG_LEVEL?.trim().toLowerCase();
  if (asked !== undefined && (LOG_LEVELS as readonly string[]).includes(asked)) return asked as LogLevel;
  return process.env.CORTEX_DEBUG ? "debug" : "warn";
}

/**
 * A logger that writes to standard error, never to standard output: a
 * program's own output (a CLI's JSON, a piped result) stays clean. Levels
 * below `level` cost one call to an empty function.
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnvironment();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new InvalidOptionsError("level", `createConsoleLogger: level must be one of ${LOG_LEVELS.join(", ")}`);
  }
  const prefix = options.prefix ?? "[cortex]";
  const floor = LOG_LEVELS.indexOf(level);
  const line =
    (own: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (fields === undefined) console.error(`${prefix} ${own}: ${message}`);
      else console.error(`${prefix} ${own}: ${message}`, fields);
    };
  const at = (own: Exclude<LogLevel, "silent">) => (LOG_LEVELS.indexOf(own) >= floor ? line(own) : noop);
  return Object.freeze({ debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") });
}

/** The default logger of every Cortex package: warnings and errors to standard error (see {@link createConsoleLogger}). */
export const consoleLogger: Logger = createConsoleLogger();

/** A logger that drops everything; for tests and for hosts that watch counters instead. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** True when `value` has the four logger methods. */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ["debug", "info", "warn", "error"].every((method) => typeof candidate[method] === "function");
}

/**
 * `logger` behind a guard: a logger that throws (a broken transport, a full
 * disk) is ignored, so a logged problem never turns into a failed run or
 * a rejected call.
 */
export function guardedLogger(logger: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (message: string, fields?: LogFields): void => {
      try {
        logger[level](message, fields);
      } catch {
        // Nothing else to tell: the logger is the way to tell.
      }
    };
  return Object.freeze({ debug: guard("debug"), info: guard("info"), warn: guard("warn"), error: guard("error") });
}
