import { ModelConfigError, isPlainObject } from "@cortex/primitives";
import type { AiSdkLanguageModel } from "./language-model.js";
import { aiSdkModel, type AiSdkModelClient } from "./model.js";
import type { AiSdkModelOptions } from "./options.js";
import { AI_SDK_PROVIDERS, type ProviderEntry } from "./providers.js";

/** The environment variables `modelFromEnv` reads (and `modelFromSpec`, for the base URL and key). */
export const MODEL_ENV = {
  /** `provider:model`, e.g. `anthropic:claude-sonnet-4-5`; required by `modelFromEnv`. */
  model: "CORTEX_MODEL",
  /** The provider's base URL; default the provider's own (`http://localhost:11434/v1` for `ollama`). */
  baseURL: "CORTEX_MODEL_BASE_URL",
  /** The API key; default the provider's own variable, e.g. `ANTHROPIC_API_KEY`. */
  apiKey: "CORTEX_MODEL_API_KEY",
  /** Limit of each attempt in milliseconds; optional. */
  timeoutMs: "CORTEX_MODEL_TIMEOUT_MS",
  /** Retries of a failed attempt; optional (default 2). */
  maxRetries: "CORTEX_MODEL_MAX_RETRIES",
} as const;

/** An environment to read from: `process.env` or any plain record. */
export type ModelEnv = Readonly<Record<string, string | undefined>>;

/** A parsed `provider:model`. */
export interface ModelSpec {
  provider: string;
  modelId: string;
}

/** Options of `modelFromSpec` and `modelFromEnv`: those of `aiSdkModel`, plus where the provider is. */
export interface ModelFromSpecOptions extends AiSdkModelOptions {
  /** The API key; wins over `CORTEX_MODEL_API_KEY` and the provider's own variable. Never shown in an error. */
  apiKey?: string;
  /** The base URL; wins over `CORTEX_MODEL_BASE_URL`. */
  baseURL?: string;
  /** Where variables are read from. Default `process.env`. */
  env?: ModelEnv;
  /** More providers, or replacements of built-in ones, by name (e.g. a community provider package). */
  providers?: Readonly<Record<string, ProviderEntry>>;
  /** Extra settings for the provider's factory (e.g. `organization` for OpenAI, a custom `fetch`). */
  providerSettings?: Readonly<Record<string, unknown>>;
}

function read(env: ModelEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Splits `provider:model` at the first colon, so model ids may hold more
 * (`ollama:llama3.2:3b`). Throws `ModelConfigError` for anything else.
 */
export function parseModelSpec(spec: string): ModelSpec {
  const match = typeof spec === "string" ? /^([a-z][a-z0-9-]*):(.+)$/.exec(spec.trim()) : null;
  if (match === null) {
    throw new ModelConfigError(
      `A model is named provider:model, e.g. anthropic:claude-sonnet-4-5 or ollama:llama3.2; got ${JSON.stringify(spec)}`,
    );
  }
  return { provider: match[1]!, modelId: match[2]! };
}

/** Why a base URL cannot be used; the value is never echoed, as a malformed URL may still carry credentials. */
function baseURLProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute http(s) URL, e.g. http://localhost:11434/v1";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http(s) URL";
  if (url.username !== "" || url.password !== "") return "must not contain credentials; set the API key instead";
  if (url.search !== "" || url.hash !== "") return "must not contain a query or fragment";
  return undefined;
}

function entryFor(name: string, extra: ModelFromSpecOptions["providers"]): ProviderEntry {
  const own = (table: object | undefined): ProviderEntry | undefined =>
    table !== undefined && Object.hasOwn(table, name) ? (table as Record<string, ProviderEntry>)[name] : undefined;
  const entry = own(extra) ?? own(AI_SDK_PROVIDERS);
  if (entry === undefined) {
    const known = [...Object.keys(AI_SDK_PROVIDERS), ...Object.keys(extra ?? {})].join(", ");
    throw new ModelConfigError(
      `Unknown model provider "${name}"; known: ${known} (or add one with the providers option)`,
    );
  }
  if (!isPlainObject(entry) || typeof entry.package !== "string" || typeof entry.factory !== "string") {
    throw new ModelConfigError(`The provider entry "${name}" needs a package and a factory name`);
  }
  return entry;
}

function isMissing(error: unknown, pkg: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    error instanceof Error &&
    error.message.includes(pkg)
  );
}

async function loadFactory(name: string, entry: ProviderEntry): Promise<(settings: object) => unknown> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(entry.package)) as Record<string, unknown>;
  } catch (error) {
    if (isMissing(error, entry.package)) {
      throw new ModelConfigError(
        `The model provider "${name}" needs the package ${entry.package}; install it: npm install ${entry.package}`,
        { cause: error },
      );
    }
    throw new ModelConfigError(`The package ${entry.package} of provider "${name}" could not be loaded`, {
      cause: error,
    });
  }
  const interop = isPlainObject(loaded.default) ? loaded.default : undefined;
  const factory = loaded[entry.factory] ?? interop?.[entry.factory];
  if (typeof factory !== "function") {
    throw new ModelConfigError(
      `The package ${entry.package} has no function ${entry.factory}; is it an AI SDK provider?`,
    );
  }
  return factory as (settings: object) => unknown;
}

/**
 * Makes a model client from `provider:model`: imports the provider's package
 * (an optional peer dependency), creates the provider with the base URL and
 * key (the option, else `CORTEX_MODEL_BASE_URL` / `CORTEX_MODEL_API_KEY`,
 * else the provider's own default and variable) and wraps its language
 * model with `aiSdkModel`. Every problem is a `ModelConfigError` before any
 * request: an unknown provider, a package that is not installed (the
 * message names it), a missing key, a malformed base URL. The key is kept
 * out of every error.
 */
export async function modelFromSpec(spec: string, options: ModelFromSpecOptions = {}): Promise<AiSdkModelClient> {
  const { apiKey: givenKey, baseURL: givenURL, env = process.env, providers, providerSettings, ...rest } = options;
  const { provider: name, modelId } = parseModelSpec(spec);
  const entry = entryFor(name, providers);
  const baseURL = givenURL ?? read(env, MODEL_ENV.baseURL) ?? entry.defaultBaseURL;
  if (baseURL === undefined && entry.requiresBaseURL === true) {
    throw new ModelConfigError(`The model provider "${name}" needs a base URL: set ${MODEL_ENV.baseURL}`);
  }
  const problem = baseURL === undefined ? undefined : baseURLProblem(baseURL);
  if (problem !== undefined) throw new ModelConfigError(`The base URL of provider "${name}" ${problem}`);
  const apiKey = givenKey ?? read(env, MODEL_ENV.apiKey) ?? (entry.apiKeyEnv ? read(env, entry.apiKeyEnv) : undefined);
  if (apiKey === undefined && entry.apiKeyEnv !== undefined) {
    throw new ModelConfigError(
      `The model provider "${name}" needs an API key: set ${MODEL_ENV.apiKey} or ${entry.apiKeyEnv}`,
    );
  }
  const factory = await loadFactory(name, entry);
  const secrets = [...(rest.secrets ?? []), ...(apiKey !== undefined ? [apiKey] : [])];
  let languageModel: unknown;
  try {
    const provider = factory({
      ...entry.settings,
      ...providerSettings,
      ...(baseURL !== undefined ? { baseURL } : {}),
      ...(apiKey !== undefined ? { apiKey } : {}),
    }) as ((id: string) => unknown) & { languageModel?: (id: string) => unknown };
    languageModel = typeof provider.languageModel === "function" ? provider.languageModel(modelId) : provider(modelId);
  } catch (error) {
    throw new ModelConfigError(`The provider "${name}" could not make model "${modelId}"`, { cause: error });
  }
  return aiSdkModel(languageModel as AiSdkLanguageModel, { ...rest, secrets });
}

function wholeNumber(env: ModelEnv, name: string, min: number): number | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new ModelConfigError(`${name} must be a whole number >= ${min}, got "${raw}"`);
  }
  return value;
}

/**
 * `modelFromSpec` with the model named by `CORTEX_MODEL` (required; a
 * `ModelConfigError` otherwise), and `CORTEX_MODEL_TIMEOUT_MS` /
 * `CORTEX_MODEL_MAX_RETRIES` when the options leave them out.
 */
export async function modelFromEnv(options: ModelFromSpecOptions = {}): Promise<AiSdkModelClient> {
  const env = options.env ?? process.env;
  const spec = read(env, MODEL_ENV.model);
  if (spec === undefined) {
    throw new ModelConfigError(
      `${MODEL_ENV.model} is not set; set it to provider:model, e.g. anthropic:claude-sonnet-4-5, google:gemini-2.5-flash or ollama:llama3.2`,
    );
  }
  const timeoutMs = options.timeoutMs ?? wholeNumber(env, MODEL_ENV.timeoutMs, 1);
  const maxRetries = options.maxRetries ?? wholeNumber(env, MODEL_ENV.maxRetries, 0);
  return modelFromSpec(spec, {
    ...options,
    env,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(maxRetries !== undefined ? { maxRetries } : {}),
  });
}
