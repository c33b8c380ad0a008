import {
  ModelBadResponseError,
  ModelRefusedError,
  type FinishReason,
  type ModelMessage,
  type ModelResponseFormat,
  type ModelUsage,
  type ModelResponse,
  type ModelToolCall,
  type ToolDefinition,
} from "@cortex/primitives";
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import type { ResponseFormatJSONObject, ResponseFormatJSONSchema } from "openai/resources/shared";

/** Turns the neutral model messages into chat-completions messages, in order. */
export function toOpenAIMessages(messages: readonly ModelMessage[]): ChatCompletionMessageParam[] {
  return messages.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case "system":
        return { role: "system", content: message.content };
      case "user":
        return { role: "user", content: message.content };
      case "assistant": {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: "assistant", content: message.content ?? "" };
        return {
          role: "assistant",
          // OpenAI accepts null content beside tool calls; some local servers reject a missing field.
          content: message.content ?? null,
          tool_calls: calls.map((call): ChatCompletionMessageFunctionToolCall => ({
            id: call.id,
            type: "function",
            function: { name: call.name, arguments: argumentsString(call.arguments) },
          })),
        };
      }
      case "tool":
        return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
    }
  });
}

/** The engine keeps parsed arguments in the conversation; the API wants the JSON string back. */
function argumentsString(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value ?? {});
}

/** Turns the neutral tool definitions into chat-completions function tools. */
export function toOpenAITools(tools: readonly ToolDefinition[]): ChatCompletionFunctionTool[] {
  return tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}

/**
 * The request's `response_format` for a `responseFormat` that asks for JSON:
 * with a schema, `json_schema` (not strict, so servers that cannot enforce it
 * still answer); without one, `json_object`. Undefined for text.
 */
export function toOpenAIResponseFormat(
  format: ModelResponseFormat | undefined,
): ResponseFormatJSONSchema | ResponseFormatJSONObject | undefined {
  if (format?.type !== "json") return undefined;
  if (format.schema === undefined) return { type: "json_object" };
  return {
    type: "json_schema",
    json_schema: {
      name: format.name ?? "answer",
      ...(format.description !== undefined ? { description: format.description } : {}),
      schema: format.schema,
      strict: false,
    },
  };
}

/** The usage of a completion or of a stream's last chunk, when the server reported it. */
export function usageOf(raw: unknown): ModelUsage | undefined {
  if (!isRecord(raw)) return undefined;
  const input = raw.prompt_tokens;
  const output = raw.completion_tokens;
  if (typeof input !== "number" && typeof output !== "number") return undefined;
  return {
    inputTokens: typeof input === "number" && Number.isFinite(input) ? input : 0,
    outputTokens: typeof output === "number" && Number.isFinite(output) ? output : 0,
  };
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: "stop",
  tool_calls: "tool-calls",
  function_call: "tool-calls",
  length: "length",
  content_filter: "content-filter",
};

/** The chat-completions finish reason in Cortex's words; an unknown one is `other`. */
export function finishReasonOf(raw: unknown): FinishReason | undefined {
  if (typeof raw !== "string" || raw === "") return undefined;
  return FINISH_REASONS[raw] ?? "other";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? "text" : typeof value;
}

/**
 * Reads the first choice of a chat completion into a `ModelResponse`. The
 * body is checked here, once, because OpenAI-compatible servers differ:
 * a body that is not a completion, no choices, or a malformed tool call is
 * a `ModelBadResponseError`; a refusal or a content-filter stop is a
 * `ModelRefusedError`. Tool-call arguments are passed through untouched
 * (the raw JSON string), so core can report bad JSON with the tool's name.
 */
export function fromChatCompletion(body: unknown, model: string): ModelResponse {
  const where = `model "${model}"`;
  if (!isRecord(body)) {
    throw new ModelBadResponseError(
      `The server answered ${where} with ${describe(body)}, not a chat completion object`,
    );
  }
  const { choices } = body;
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new ModelBadResponseError(`The server's answer for ${where} has no choices`);
  }
  const choice: unknown = choices[0];
  if (!isRecord(choice) || !isRecord(choice.message)) {
    throw new ModelBadResponseError(`The server's answer for ${where} has a choice without a message`);
  }
  const { message } = choice;
  if (typeof message.refusal === "string" && message.refusal !== "") {
    throw new ModelRefusedError(`${capitalized(where)} refused to answer: ${message.refusal}`, message.refusal);
  }
  if (choice.finish_reason === "content_filter") {
    throw new ModelRefusedError(`The provider's content filter stopped the answer of ${where}`);
  }
  const { content } = message;
  if (content !== undefined && content !== null && typeof content !== "string") {
    throw new ModelBadResponseError(
      `The server's answer for ${where} has content that is ${describe(content)}, not text`,
    );
  }
  const response: ModelResponse = {};
  const toolCalls = readToolCalls(message.tool_calls, where);
  if (typeof content === "string" && (content !== "" || toolCalls.length === 0)) response.content = content;
  if (toolCalls.length > 0) response.toolCalls = toolCalls;
  const usage = usageOf(body.usage);
  if (usage !== undefined) response.usage = usage;
  const finishReason = finishReasonOf(choice.finish_reason);
  if (finishReason !== undefined) response.finishReason = finishReason;
  return response;
}

function readToolCalls(raw: unknown, where: string): ModelToolCall[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw))
    throw new ModelBadResponseError(`The server's answer for ${where} has tool_calls that is not an array`);
  return raw.map((call: unknown, index): ModelToolCall => {
    const fn = isRecord(call) ? call.function : undefined;
    if (!isRecord(call) || !isRecord(fn) || typeof fn.name !== "string" || fn.name === "") {
      const kind = isRecord(call) && typeof call.type === "string" ? ` (type "${call.type}")` : "";
      throw new ModelBadResponseError(
        `The server's answer for ${where} has tool call #${index}${kind} without a function name`,
      );
    }
    // Kept as sent (normally a JSON string); core parses it and fails the run on bad JSON.
    const result: ModelToolCall = { name: fn.name, arguments: fn.arguments };
    if (typeof call.id === "string" && call.id !== "") result.id = call.id;
    return result;
  });
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
