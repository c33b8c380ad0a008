import type { Logger } from "@cortex/plugins";

/**
 * The engine's own logging goes through this: a logger that throws (a
 * broken transport, a full disk) is ignored rather than turning a logged
 * problem into a failed or rejected run.
 */
export function guardedLogger(logger: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (message: string, fields?: Record<string, unknown>): void => {
      try {
        logger[level](message, fields);
      } catch {
        // Nothing else to tell: the logger is the way to tell.
      }
    };
  return { debug: guard("debug"), info: guard("info"), warn: guard("warn"), error: guard("error") };
}
