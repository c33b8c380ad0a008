import type { JSONSchema7, LanguageModelV3, SharedV3ProviderOptions } from "@ai-sdk/provider";

/** A text part of a prompt message, the same in both specifications. */
export interface PromptTextPart {
  type: "text";
  text: string;
}

/** A tool call the assistant made, replayed in the prompt; `input` is the parsed arguments. */
export interface PromptToolCallPart {
  type: "tool-call";
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** A tool's answer, replayed in the prompt as the text the engine produced. */
export interface PromptToolResultPart {
  type: "tool-result";
  toolCallId: string;
  toolName: string;
  output: { type: "text"; value: string };
}

/**
 * The prompt messages this adapter sends: the subset of the language-model
 * prompt that Cortex's neutral messages map to. Every part here has the same
 * shape in specification v3 (AI SDK 6) and v4 (AI SDK 7), so one mapping
 * serves both.
 */
export type PromptMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: PromptTextPart[] }
  | { role: "assistant"; content: (PromptTextPart | PromptToolCallPart)[] }
  | { role: "tool"; content: PromptToolResultPart[] };

/** A function tool as both specifications define it; the JSON Schema is passed as is. */
export interface FunctionTool {
  type: "function";
  name: string;
  description?: string;
  inputSchema: JSONSchema7;
}

/** The reasoning effort of specification v4 (AI SDK 7); v3 models ignore it. */
export type ReasoningEffort = "provider-default" | "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | "max";

/** The call options this adapter sends to `doGenerate` and `doStream`. */
export interface CallOptions {
  prompt: PromptMessage[];
  tools?: FunctionTool[];
  responseFormat?: { type: "text" } | { type: "json"; schema?: JSONSchema7; name?: string; description?: string };
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  stopSequences?: string[];
  seed?: number;
  reasoning?: ReasoningEffort;
  headers?: Record<string, string | undefined>;
  providerOptions?: SharedV3ProviderOptions;
  abortSignal?: AbortSignal;
}

/**
 * A language model of specification v4 (AI SDK 7 providers, Node 22), as
 * far as this adapter uses it. Its results are read with the same checks as
 * v3 results, so they are typed loosely here.
 */
export interface LanguageModelV4Like {
  readonly specificationVersion: "v4";
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: CallOptions): PromiseLike<unknown>;
  doStream(options: CallOptions): PromiseLike<{ stream: ReadableStream<unknown> }>;
}

/**
 * What `aiSdkModel` accepts: any AI SDK provider's language model, of
 * specification v3 (`@ai-sdk/*` 3.x, AI SDK 6) or v4 (AI SDK 7).
 */
export type AiSdkLanguageModel = LanguageModelV3 | LanguageModelV4Like;

/** The model as this adapter calls it, whichever specification it implements. */
export interface CallableModel {
  readonly specificationVersion: string;
  readonly provider: string;
  readonly modelId: string;
  doGenerate(options: CallOptions): PromiseLike<unknown>;
  doStream(options: CallOptions): PromiseLike<unknown>;
}

/** The specification versions this adapter implements. */
export const SUPPORTED_SPECIFICATIONS = ["v3", "v4"] as const;
