import { CortexError } from "./errors.js";

/**
 * An option of `new PluginRegistry(options)` or of one `execute` call is
 * unusable, e.g. a timeout that is not a number > 0 (or `Infinity`, meaning
 * no limit). `option` names it. Thrown by the constructor; `execute`
 * rejects with it before any plugin code runs.
 */
export class InvalidOptionsError extends CortexError<"CORTEX_INVALID_OPTIONS"> {
  constructor(
    /** The option at fault, e.g. `"setupTimeoutMs"`. */
    readonly option: string,
    message: string,
  ) {
    super("CORTEX_INVALID_OPTIONS", message);
    this.name = "InvalidOptionsError";
  }
}
