/** A JSON Schema object, as plugins declare their parameters. */
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

/** What the engine asks of the model at each step. */
export interface ModelRequest {
  /** The system prompt first, then the conversation in order. */
  messages: ModelMessage[];
  tools: ToolDefinition[];
  /** Aborted when the run is aborted, the engine shuts down, or the model timeout passes. */
  signal: AbortSignal;
  /** Which agent and run the request belongs to, for adapters that log or route. */
  agentId: string;
  runId: string;
}

/** The model's answer: text, tool calls, or both. No tool calls means the run is done. */
export interface ModelResponse {
  content?: string;
  toolCalls?: ModelToolCall[];
}

/**
 * The one thing the engine needs from a model. Real providers live in
 * adapter packages (`@cortex/model-*`); `ScriptedModel` in `@cortex/testing`
 * replays a script for tests.
 */
export interface ModelClient {
  generate(request: ModelRequest): Promise<ModelResponse>;
}
