export { OpenAIChatModel } from "./model.js";
export { OPENAI_DEFAULTS } from "./options.js";
export type { OpenAIChatModelOptions } from "./options.js";
export { MODEL_ENV, isModelConfigured, modelOptionsFromEnv, openAIModelFromEnv } from "./config.js";
export type { ModelEnv } from "./config.js";
export { fromChatCompletion, toOpenAIMessages, toOpenAIResponseFormat, toOpenAITools } from "./mapping.js";
export { streamParts } from "./stream.js";
// The model errors (and their base) are shared by every adapter and live in
// @cortex/primitives; re-exported so code that imports them from here keeps working.
export {
  CortexError,
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
} from "@cortex/primitives";
export type { ModelErrorCode } from "@cortex/primitives";
