export { main, COMMANDS, VERSION } from "./main.js";
export type { CliIO, OutputStream } from "./io.js";
export type { Command, CommandContext, OptionSpec } from "./command.js";
export {
  CLI_ERROR_CODES,
  CommandFailedError,
  CortexError,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  InvalidParamsError,
  UsageError,
  isCortexError,
} from "./errors.js";
export type { CliErrorCode } from "./errors.js";
export { ProgressExtension } from "./progress.js";
export { KNOWN_PLUGIN_KEYS, MODEL_VARIABLES } from "./help.js";
