export {
  AbortedError,
  CortexError,
  InvalidOptionsError,
  PRIMITIVES_ERRORS,
  TimeoutError,
  isCortexError,
  messageOf,
  toErrorInfo,
} from "./errors.js";
export type { CortexErrorOptions, ErrorInfo, ErrorTable, PrimitivesErrorCode } from "./errors.js";
export { LOG_LEVELS, consoleLogger, createConsoleLogger, guardedLogger, isLogger, silentLogger } from "./logger.js";
export type { ConsoleLoggerOptions, LogFields, LogLevel, Logger } from "./logger.js";
export { MAX_TIMER_MS, checkTimeLimit, delay, isTimeLimit, onAbort, startTimer, withDeadline } from "./deadline.js";
export { DeadlineSeries } from "./deadline-series.js";
export type { DeadlineOptions, TimerOptions } from "./deadline.js";
export { isPlainObject } from "./objects.js";
export { writeFileAtomic } from "./files.js";
export { findPackageDir, findPackageEntry, mainEntry } from "./packages.js";
export { isProcessRunning } from "./processes.js";
export type { AtomicWriteOptions } from "./files.js";
export { FINISH_REASONS } from "./model.js";
export type {
  FinishReason,
  JsonSchema,
  ModelClient,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  ModelResponseFormat,
  ModelStreamPart,
  ModelToolCall,
  ModelUsage,
  ToolDefinition,
} from "./model.js";
export {
  MODEL_ERRORS,
  ModelAbortedError,
  ModelBadResponseError,
  ModelConfigError,
  ModelConnectionError,
  ModelError,
  ModelHttpError,
  ModelRefusedError,
  ModelRequestError,
  ModelTimeoutError,
  isRetryableStatus,
} from "./model-errors.js";
export type { ModelErrorCode } from "./model-errors.js";
export { isStandardSchema, toJsonSchema, validateStandard } from "./schema.js";
export type {
  InferSchema,
  InferSchemaInput,
  JsonSchemaTarget,
  SchemaLike,
  StandardIssue,
  StandardJsonSchemaConverter,
  StandardResult,
  StandardSchemaProps,
  StandardSchemaV1,
  ToJsonSchemaOptions,
} from "./schema.js";
