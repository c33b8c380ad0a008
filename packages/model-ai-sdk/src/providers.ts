/** How `modelFromSpec` makes a provider's language model from a package. */
export interface ProviderEntry {
  /** The npm package to import, e.g. `@ai-sdk/anthropic`. */
  readonly package: string;
  /** The package's factory export, called with `{ baseURL, apiKey, headers, … }`, e.g. `createAnthropic`. */
  readonly factory: string;
  /** The provider's own variable for its key, read when `CORTEX_MODEL_API_KEY` is not set; absent when no key is needed. */
  readonly apiKeyEnv?: string;
  /** The base URL used when none is given; absent to keep the provider's own default. */
  readonly defaultBaseURL?: string;
  /** True when there is no default: the base URL must be given (`CORTEX_MODEL_BASE_URL`). */
  readonly requiresBaseURL?: boolean;
  /** Extra settings passed to the factory, e.g. `{ name: "ollama" }` for the OpenAI-compatible provider. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/**
 * The providers `CORTEX_MODEL=provider:model` knows, each an optional peer
 * dependency. `ollama`, `lmstudio` and `openai-compatible` go through
 * `@ai-sdk/openai-compatible` (chat completions); the rest through each
 * provider's own package. `modelFromSpec`'s `providers` option adds more.
 */
export const AI_SDK_PROVIDERS = {
  openai: { package: "@ai-sdk/openai", factory: "createOpenAI", apiKeyEnv: "OPENAI_API_KEY" },
  anthropic: { package: "@ai-sdk/anthropic", factory: "createAnthropic", apiKeyEnv: "ANTHROPIC_API_KEY" },
  google: { package: "@ai-sdk/google", factory: "createGoogleGenerativeAI", apiKeyEnv: "GOOGLE_GENERATIVE_AI_API_KEY" },
  mistral: { package: "@ai-sdk/mistral", factory: "createMistral", apiKeyEnv: "MISTRAL_API_KEY" },
  groq: { package: "@ai-sdk/groq", factory: "createGroq", apiKeyEnv: "GROQ_API_KEY" },
  xai: { package: "@ai-sdk/xai", factory: "createXai", apiKeyEnv: "XAI_API_KEY" },
  deepseek: { package: "@ai-sdk/deepseek", factory: "createDeepSeek", apiKeyEnv: "DEEPSEEK_API_KEY" },
  cohere: { package: "@ai-sdk/cohere", factory: "createCohere", apiKeyEnv: "COHERE_API_KEY" },
  togetherai: { package: "@ai-sdk/togetherai", factory: "createTogetherAI", apiKeyEnv: "TOGETHER_API_KEY" },
  fireworks: { package: "@ai-sdk/fireworks", factory: "createFireworks", apiKeyEnv: "FIREWORKS_API_KEY" },
  cerebras: { package: "@ai-sdk/cerebras", factory: "createCerebras", apiKeyEnv: "CEREBRAS_API_KEY" },
  deepinfra: { package: "@ai-sdk/deepinfra", factory: "createDeepInfra", apiKeyEnv: "DEEPINFRA_API_KEY" },
  ollama: {
    package: "@ai-sdk/openai-compatible",
    factory: "createOpenAICompatible",
    defaultBaseURL: "http://localhost:11434/v1",
    settings: { name: "ollama", includeUsage: true },
  },
  lmstudio: {
    package: "@ai-sdk/openai-compatible",
    factory: "createOpenAICompatible",
    defaultBaseURL: "http://localhost:1234/v1",
    settings: { name: "lmstudio", includeUsage: true },
  },
  "openai-compatible": {
    package: "@ai-sdk/openai-compatible",
    factory: "createOpenAICompatible",
    requiresBaseURL: true,
    settings: { name: "openai-compatible", includeUsage: true },
  },
} as const satisfies Record<string, ProviderEntry>;

/** A provider name of {@link AI_SDK_PROVIDERS}. */
export type KnownProvider = keyof typeof AI_SDK_PROVIDERS;
