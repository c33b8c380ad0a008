export {
  OpenAIChatModel,
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  PLACEHOLDER_API_KEY,
} from "./model.js";
export type { OpenAIChatModelOptions } from "./model.js";
export { MODEL_ENV, isModelConfigured, modelOptionsFromEnv, openAIModelFromEnv } from "./config.js";
export type { ModelEnv } from "./config.js";
export { fromChatCompletion, toOpenAIMessages, toOpenAITools } from "./mapping.js";
export {
  CortexError,
  MODEL_ERROR_CODES,
  ModelAbortedError,
  ModelBadResponseError,
  ModelConfigError,
  ModelConnectionError,
  ModelError,
  ModelHttpError,
  ModelRefusedError,
  ModelRequestError,
  ModelTimeoutError,
  isCortexError,
} from "./errors.js";
export type { ModelErrorCode } from "./errors.js";
