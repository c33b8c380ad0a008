export { main, COMMANDS, VERSION } from "./main.js";
export type { CliIO, OutputStream } from "./io.js";
export type { Command, CommandContext, OptionSpec } from "./command.js";
export { CLI_DEFAULTS } from "./defaults.js";
export {
  CLI_ERRORS,
  CommandFailedError,
  CortexError,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  InvalidCredentialsError,
  InvalidNameError,
  InvalidParamsError,
  UsageError,
  isCortexError,
} from "./errors.js";
export type { CliErrorCode, CommandFailureCode } from "./errors.js";
export { ProgressExtension } from "./progress.js";
export type { Printer, SafeText } from "./printer.js";
export { KNOWN_PLUGIN_KEYS, MODEL_VARIABLES, declaredCredentials } from "./help.js";
export type { CredentialKey } from "./help.js";
