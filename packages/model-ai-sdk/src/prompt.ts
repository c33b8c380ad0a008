import type { ModelMessage, ModelRequest, ToolDefinition } from "@cortex/primitives";
import type { CallOptions, FunctionTool, PromptMessage, PromptToolResultPart } from "./language-model.js";

/**
 * Turns the engine's messages into a language-model prompt, in order. Tool
 * answers that follow each other become one tool message (providers such as
 * Gemini want every answer to one turn's calls together); an assistant
 * message with neither text nor tool calls says nothing and is left out.
 */
export function toPrompt(messages: readonly ModelMessage[]): PromptMessage[] {
  const prompt: PromptMessage[] = [];
  let results: PromptToolResultPart[] | undefined;
  for (const message of messages) {
    if (message.role !== "tool") results = undefined;
    switch (message.role) {
      case "system":
        prompt.push({ role: "system", content: message.content });
        break;
      case "user":
        prompt.push({ role: "user", content: [{ type: "text", text: message.content }] });
        break;
      case "assistant": {
        const content: Extract<PromptMessage, { role: "assistant" }>["content"] = [];
        if (message.content !== undefined && message.content !== "") {
          content.push({ type: "text", text: message.content });
        }
        for (const call of message.toolCalls ?? []) {
          content.push({
            type: "tool-call",
            toolCallId: call.id,
            toolName: call.name,
            input: toolInput(call.arguments),
          });
        }
        if (content.length > 0) prompt.push({ role: "assistant", content });
        break;
      }
      case "tool": {
        const part: PromptToolResultPart = {
          type: "tool-result",
          toolCallId: message.toolCallId,
          toolName: message.name,
          output: { type: "text", value: message.content },
        };
        if (results === undefined) {
          results = [part];
          prompt.push({ role: "tool", content: results });
        } else {
          results.push(part);
        }
        break;
      }
    }
  }
  return prompt;
}

/**
 * The specification wants a replayed call's input as a value, while a
 * conversation may hold the raw JSON text a model sent: parse it when it
 * parses, keep the text otherwise.
 */
function toolInput(value: unknown): unknown {
  if (typeof value !== "string") return value ?? {};
  if (value.trim() === "") return {};
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The engine's tools as function tools, each JSON Schema passed on unchanged. */
export function toTools(tools: readonly ToolDefinition[]): FunctionTool[] {
  return tools.map((tool) => ({
    type: "function",
    name: tool.name,
    description: tool.description,
    inputSchema: tool.parameters,
  }));
}

/** The parts of the call options that come from the request; settings and the signal are added by the caller. */
export function requestOptions(request: ModelRequest): Pick<CallOptions, "prompt" | "tools" | "responseFormat"> {
  const options: Pick<CallOptions, "prompt" | "tools" | "responseFormat"> = { prompt: toPrompt(request.messages) };
  if (request.tools.length > 0) options.tools = toTools(request.tools);
  const format = request.responseFormat;
  if (format?.type === "json") {
    options.responseFormat = {
      type: "json",
      ...(format.schema !== undefined ? { schema: format.schema } : {}),
      ...(format.name !== undefined ? { name: format.name } : {}),
      ...(format.description !== undefined ? { description: format.description } : {}),
    };
  }
  return options;
}
