import type { ModelClient } from "@cortex/primitives";
import { CommandFailedError } from "./errors.js";
import { withHint } from "./hints.js";

/** What the CLI uses of `@cortex/model-ai-sdk`, an optional peer. */
export interface AiSdkModule {
  AI_SDK_PROVIDERS: Readonly<Record<string, unknown>>;
  modelFromEnv(options: { env: Readonly<Record<string, string | undefined>> }): Promise<ModelClient>;
}

/**
 * The provider names of `@cortex/model-ai-sdk`'s `AI_SDK_PROVIDERS`, used
 * only to say which package to install when it is missing: with the
 * package installed, its own table decides (a test keeps the two equal).
 */
export const AI_SDK_PROVIDER_NAMES: readonly string[] = [
  "openai",
  "anthropic",
  "google",
  "mistral",
  "groq",
  "xai",
  "deepseek",
  "cohere",
  "togetherai",
  "fireworks",
  "cerebras",
  "deepinfra",
  "ollama",
  "lmstudio",
  "openai-compatible",
];

/** How the CLI loads the optional `@cortex/model-ai-sdk`; undefined when it is not installed. */
export type AiSdkLoader = () => Promise<AiSdkModule | undefined>;

/** Imports `@cortex/model-ai-sdk`, or resolves undefined when it is not installed (any other failure is thrown). */
export const importAiSdk: AiSdkLoader = async () => {
  try {
    return await import("@cortex/model-ai-sdk");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return undefined;
    throw error;
  }
};

/** The part of `CORTEX_MODEL` before its first colon, when it looks like a provider name. */
function providerOf(value: string): string | undefined {
  return /^([a-z][a-z0-9-]*):./.exec(value)?.[1];
}

/**
 * The model `cortex run` uses, from the environment. `CORTEX_MODEL=provider:model`
 * whose provider is one of `@cortex/model-ai-sdk`'s goes through that
 * package (`modelFromEnv`); when it is not installed the error names it
 * (`CORTEX_CLI_MODEL_PACKAGE_MISSING`). Any other `CORTEX_MODEL` (a plain
 * model name, or one with a colon such as `llama3.1:8b`) is a model on an
 * OpenAI-compatible server (`@cortex/model-openai`). Unset: `CORTEX_CLI_MODEL_NOT_CONFIGURED`.
 */
export async function modelFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  loadAiSdk: AiSdkLoader = importAiSdk,
): Promise<ModelClient> {
  const { isModelConfigured, openAIModelFromEnv } = await import("@cortex/model-openai");
  if (!isModelConfigured(env)) {
    throw withHint(
      new CommandFailedError(
        "CORTEX_CLI_MODEL_NOT_CONFIGURED",
        "cortex run needs a model, and CORTEX_MODEL is not set",
      ),
      "set CORTEX_MODEL (and CORTEX_MODEL_API_KEY for OpenAI, or CORTEX_MODEL_BASE_URL for another server), or provider:model such as anthropic:claude-sonnet-4-5 with @cortex/model-ai-sdk; `npx @cortex/cli demo` runs offline",
    );
  }
  const provider = providerOf(env.CORTEX_MODEL!.trim());
  if (provider !== undefined) {
    const aiSdk = await loadAiSdk();
    if (aiSdk !== undefined && Object.hasOwn(aiSdk.AI_SDK_PROVIDERS, provider)) return aiSdk.modelFromEnv({ env });
    if (aiSdk === undefined && AI_SDK_PROVIDER_NAMES.includes(provider)) {
      throw withHint(
        new CommandFailedError(
          "CORTEX_CLI_MODEL_PACKAGE_MISSING",
          `CORTEX_MODEL names the provider "${provider}", which needs @cortex/model-ai-sdk, and it is not installed`,
        ),
        "npm install @cortex/model-ai-sdk and the provider's package (see its README), or set CORTEX_MODEL to a model name on an OpenAI-compatible server",
      );
    }
  }
  return openAIModelFromEnv(env);
}
