/** A JSON Schema object, as plugins declare their parameters and models receive tools. */
export type JsonSchema = Record<string, unknown>;

/** A tool call the model asked for. `arguments` is an object or a JSON string of one. */
export interface ModelToolCall {
  /** The provider's id for the call, echoed back with its result; generated when absent. */
  id?: string;
  /** The tool's name as offered: `<plugin>__<action>`. */
  name: string;
  arguments: unknown;
}

/** One message of the conversation the model sees. Neutral between providers. */
export type ModelMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content?: string; toolCalls?: { id: string; name: string; arguments: unknown }[] }
  | { role: "tool"; toolCallId: string; name: string; content: string };

/** A tool offered to the model: a plugin action under a provider-safe name. */
export interface ToolDefinition {
  /** `<plugin>__<action>`; matches `^[a-zA-Z0-9_-]{1,64}$`, which every major provider accepts. */
  name: string;
  description: string;
  /** JSON Schema of the arguments; `{ type: "object", properties: {} }` when the action declares none. */
  parameters: JsonSchema;
}

/**
 * The form of the answer the engine wants. `json` asks for one JSON value
 * (matching `schema` when given), for a run with structured output;
 * providers that cannot enforce it still receive the schema in the prompt.
 */
export type ModelResponseFormat =
  { type: "text" } | { type: "json"; schema?: JsonSchema; name?: string; description?: string };

/** What the engine asks of the model at each step. */
export interface ModelRequest {
  /** The system prompt first, then the conversation in order. */
  messages: ModelMessage[];
  tools: ToolDefinition[];
  /** Aborted when the run is aborted, the engine shuts down, or the model's deadline passes. */
  signal: AbortSignal;
  /** Which agent and run the request belongs to, for adapters that log or route. */
  agentId: string;
  runId: string;
  /** The answer's form; plain text when absent. */
  responseFormat?: ModelResponseFormat;
}

/** Tokens a model call used, as the provider reported them. */
export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Why the model stopped: the common vocabulary every adapter maps its provider's reasons to. */
export const FINISH_REASONS = ["stop", "tool-calls", "length", "content-filter", "error", "other"] as const;

/** One of {@link FINISH_REASONS}. */
export type FinishReason = (typeof FINISH_REASONS)[number];

/** The model's answer: text, tool calls, or both. No tool calls means the run is done. */
export interface ModelResponse {
  content?: string;
  toolCalls?: ModelToolCall[];
  /** Tokens this call used, when the provider reported them. */
  usage?: ModelUsage;
  /** Why the model stopped, when the adapter knows. */
  finishReason?: FinishReason;
}

/**
 * One part of a streamed answer. Text arrives as deltas; a tool call
 * arrives whole, once the adapter has assembled its streamed pieces;
 * `finish` comes last, once.
 */
export type ModelStreamPart =
  | { type: "text-delta"; text: string }
  | { type: "tool-call"; id?: string; name: string; arguments: unknown }
  | { type: "finish"; usage?: ModelUsage; finishReason?: FinishReason };

/**
 * The one thing the engine needs from a model. Real providers live in
 * adapter packages (`@cortex/model-*`); `ScriptedModel` in `@cortex/testing`
 * replays a script for tests. `stream` is used when present, `generate`
 * otherwise; both must honour `request.signal`.
 */
export interface ModelClient {
  generate(request: ModelRequest): Promise<ModelResponse>;
  stream?(request: ModelRequest): AsyncIterable<ModelStreamPart>;
}
