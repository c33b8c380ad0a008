import { isCortexError, type ModelClient } from "@cortex/primitives";
import { CommandFailedError } from "./errors.js";
import { withHint } from "./hints.js";
import { importOptional } from "./optional.js";

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

/** How the CLI loads the optional `@cortex/model-ai-sdk` for the project at `cwd`: `CORTEX_CLI_MISSING_PACKAGE` when it is not installed. */
export type AiSdkLoader = (cwd?: string) => Promise<AiSdkModule>;

/** Imports `@cortex/model-ai-sdk`, the project's copy first (see `importOptional`): its provider packages are the project's too. */
export const importAiSdk: AiSdkLoader = (cwd) =>
  importOptional("@cortex/model-ai-sdk", "run", () => import("@cortex/model-ai-sdk"), cwd);

/** The part of `CORTEX_MODEL` before its first colon, when it looks like a provider name. */
function providerOf(value: string): string | undefined {
  return /^([a-z][a-z0-9-]*):./.exec(value)?.[1];
}

/**
 * The model `cortex run` uses, from the environment. `CORTEX_MODEL=provider:model`
 * whose provider is one of `@cortex/model-ai-sdk`'s goes through that
 * package (`modelFromEnv`); when it is not installed the error names it
 * (`CORTEX_CLI_MISSING_PACKAGE`). Any other `CORTEX_MODEL` (a plain
 * model name, or one with a colon such as `llama3.1:8b`) is a model on an
 * OpenAI-compatible server (`@cortex/model-openai`). Unset: `CORTEX_CLI_MODEL_NOT_CONFIGURED`.
 * `cwd` is the project's folder, where the AI SDK adapter is looked for first.
 */
export async function modelFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  loadAiSdk: AiSdkLoader = importAiSdk,
  cwd?: string,
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
    const aiSdk = await loadAiSdk(cwd).catch((error: unknown) => {
      // Without the package, only a name of one of its providers needs it; `llama3.1:8b` does not.
      const missing = isCortexError(error) && error.code === "CORTEX_CLI_MISSING_PACKAGE";
      if (missing && !AI_SDK_PROVIDER_NAMES.includes(provider)) return undefined;
      throw missing
        ? withHint(
            error,
            `CORTEX_MODEL names the provider "${provider}": install @cortex/model-ai-sdk and the provider's package (see its README), or set CORTEX_MODEL to a model name on an OpenAI-compatible server`,
          )
        : error;
    });
    if (aiSdk !== undefined && Object.hasOwn(aiSdk.AI_SDK_PROVIDERS, provider)) return aiSdk.modelFromEnv({ env });
  }
  return openAIModelFromEnv(env);
}
