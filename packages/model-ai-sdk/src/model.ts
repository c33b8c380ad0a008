import {
  InvalidOptionsError,
  ModelBadResponseError,
  consoleLogger,
  guardedLogger,
  type Logger,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamPart,
} from "@cortex/primitives";
import type { ErrorContext } from "./errors.js";
import {
  SUPPORTED_SPECIFICATIONS,
  type AiSdkLanguageModel,
  type CallOptions,
  type CallableModel,
} from "./language-model.js";
import { resolveOptions, type AiSdkModelOptions, type ResolvedOptions } from "./options.js";
import { requestOptions } from "./prompt.js";
import { isRecord, readGenerateResult } from "./result.js";
import { withRetries } from "./retry.js";
import { readStream } from "./stream.js";

/** A `ModelClient` backed by an AI SDK language model; `stream` is always there. */
export interface AiSdkModelClient extends ModelClient {
  /** The provider's id of the model, e.g. `anthropic.messages`; safe to log. */
  readonly provider: string;
  /** The model's id, e.g. `claude-sonnet-4-5`; safe to log. */
  readonly modelId: string;
  /** The specification the model implements: `v3` (AI SDK 6) or `v4` (AI SDK 7). */
  readonly specificationVersion: string;
  stream(request: ModelRequest): AsyncIterable<ModelStreamPart>;
}

function checkModel(model: unknown): CallableModel {
  if (typeof model !== "object" || model === null) {
    throw new InvalidOptionsError("languageModel", "aiSdkModel: languageModel must be an AI SDK language model object");
  }
  const candidate = model as Partial<CallableModel>;
  const version = candidate.specificationVersion;
  if (typeof version !== "string" || !(SUPPORTED_SPECIFICATIONS as readonly string[]).includes(version)) {
    throw new InvalidOptionsError(
      "languageModel",
      `aiSdkModel: languageModel implements specification ${JSON.stringify(version)}; ` +
        `supported are ${SUPPORTED_SPECIFICATIONS.join(" and ")} (@ai-sdk/* provider packages of AI SDK 6 and 7)`,
    );
  }
  if (typeof candidate.doGenerate !== "function" || typeof candidate.doStream !== "function") {
    throw new InvalidOptionsError("languageModel", "aiSdkModel: languageModel must have doGenerate and doStream");
  }
  return candidate as CallableModel;
}

// Enough for every setting a provider can warn about; past it, warnings are no longer remembered (nor logged).
const MAX_WARNINGS_KEPT = 100;

/** Logs each distinct provider warning once per model client. */
function warningLogger(logger: Logger, where: string): (warnings: unknown) => void {
  const seen = new Set<string>();
  return (warnings) => {
    if (!Array.isArray(warnings)) return;
    for (const warning of warnings) {
      const text = JSON.stringify(warning) ?? String(warning);
      if (seen.has(text) || seen.size >= MAX_WARNINGS_KEPT) continue;
      seen.add(text);
      logger.warn(`${where} warned about the request`, { warning });
    }
  };
}

function callOptions(request: ModelRequest, settings: ResolvedOptions["settings"]): CallOptions {
  return { ...settings, ...requestOptions(request) };
}

/**
 * Makes any AI SDK provider's language model (`anthropic("claude-…")`,
 * `google("gemini-…")`, `openai("gpt-…")`, …) a Cortex `ModelClient` with
 * `generate` and `stream`. Options are checked here, once
 * (`CORTEX_INVALID_OPTIONS`); every later failure is a coded model error
 * (`CORTEX_MODEL_*`) whose messages and causes never hold a key given in
 * `secrets`. Both methods honour the request's signal and retry what may
 * succeed later.
 */
export function aiSdkModel(languageModel: AiSdkLanguageModel, options?: AiSdkModelOptions): AiSdkModelClient {
  const model = checkModel(languageModel);
  const resolved = resolveOptions(options);
  const where = `${model.provider} model "${model.modelId}"`;
  const logger = guardedLogger(resolved.logger ?? consoleLogger);
  const onWarnings = warningLogger(logger, where);
  const context = (request: ModelRequest): ErrorContext => ({
    where,
    signal: request.signal,
    secrets: resolved.secrets,
  });

  return {
    provider: model.provider,
    modelId: model.modelId,
    specificationVersion: model.specificationVersion,

    async generate(request: ModelRequest): Promise<ModelResponse> {
      const call = callOptions(request, resolved.settings);
      const errors = context(request);
      const result = await withRetries(
        // Not `{ ...call, abortSignal }`: on Node 20 a field added after a spread costs about 1 µs.
        (signal) => model.doGenerate(Object.assign({}, call, { abortSignal: signal })),
        resolved,
        errors,
      );
      if (isRecord(result)) onWarnings(result.warnings);
      return readGenerateResult(result, errors);
    },

    async *stream(request: ModelRequest): AsyncGenerator<ModelStreamPart, void, undefined> {
      const call = callOptions(request, resolved.settings);
      const errors = context(request);
      const opened = await withRetries(
        (signal) => model.doStream(Object.assign({}, call, { abortSignal: signal })),
        resolved,
        errors,
      );
      const stream = isRecord(opened) ? opened.stream : undefined;
      if (!isRecord(stream) || typeof stream.getReader !== "function") {
        throw new ModelBadResponseError(`The provider's answer for ${where} has no stream`);
      }
      yield* readStream(stream as unknown as ReadableStream<unknown>, errors, onWarnings);
    },
  };
}
