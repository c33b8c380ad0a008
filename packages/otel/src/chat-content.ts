import type {
  FinishReason,
  ModelClient,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  ModelStreamPart,
  ModelToolCall,
} from "@cortex/primitives";
import type { Span } from "@opentelemetry/api";
import { ATTR } from "./attributes.js";
import type { ContentWriter } from "./content.js";

/** A part of a GenAI message, as the conventions' JSON schema of `gen_ai.input.messages` describes it. */
type MessagePart =
  | { type: "text"; content: string }
  | { type: "tool_call"; id: string | null; name: string; arguments: unknown }
  | { type: "tool_call_response"; id: string; response: string };

/** The conversation of a model request as GenAI input messages (the system prompt kept as a `system` message). */
export function chatInputMessages(messages: readonly ModelMessage[]): unknown[] {
  return messages.map((message) => {
    switch (message.role) {
      case "assistant": {
        const parts: MessagePart[] = message.content ? [{ type: "text", content: message.content }] : [];
        for (const call of message.toolCalls ?? []) parts.push(toolCallPart(call));
        return { role: "assistant", parts };
      }
      case "tool":
        return {
          role: "tool",
          parts: [{ type: "tool_call_response", id: message.toolCallId, response: message.content }],
        };
      case "system":
      case "user":
        return { role: message.role, parts: [{ type: "text", content: message.content }] };
    }
  });
}

/** The model's answer as GenAI output messages: its text and tool calls, and why it stopped. */
export function chatOutputMessages(response: ModelResponse): unknown[] {
  const parts: MessagePart[] = response.content ? [{ type: "text", content: response.content }] : [];
  const calls = response.toolCalls ?? [];
  for (const call of calls) parts.push(toolCallPart(call));
  const finish = response.finishReason ?? (calls.length > 0 ? "tool-calls" : "stop");
  return [{ role: "assistant", parts, finish_reason: FINISH_REASONS[finish] ?? finish }];
}

/** Cortex's finish reasons in the conventions' words, where they differ. */
const FINISH_REASONS: Partial<Record<FinishReason, string>> = {
  "tool-calls": "tool_call",
  "content-filter": "content_filter",
};

function toolCallPart(call: ModelToolCall): MessagePart {
  return { type: "tool_call", id: call.id ?? null, name: call.name, arguments: call.arguments };
}

/**
 * A model that answers as `inner` does and records, on the open chat span of
 * the request's run, the request's messages and the answer, written by
 * `writer` (JSON, redacted, cut). Recording never fails the call; an answer
 * that arrives after its span ended (a deadline passed) is not recorded.
 */
export function chatContentModel(
  inner: ModelClient,
  chatSpan: (runId: string) => Span | undefined,
  writer: ContentWriter,
): ModelClient {
  const record = (span: Span | undefined, key: string, value: () => unknown): void => {
    if (!span?.isRecording()) return;
    try {
      span.setAttribute(key, writer.write(value()));
    } catch {
      // Content is a courtesy to the operator: a value that cannot be written is left out, the call goes on.
    }
  };
  const started = (request: ModelRequest): Span | undefined => {
    const span = chatSpan(request.runId);
    record(span, ATTR.inputMessages, () => chatInputMessages(request.messages));
    return span;
  };
  const model: ModelClient = {
    generate: async (request) => {
      const span = started(request);
      const response = await inner.generate(request);
      record(span, ATTR.outputMessages, () => chatOutputMessages(response));
      return response;
    },
  };
  const stream = inner.stream?.bind(inner);
  if (stream !== undefined) {
    model.stream = async function* (request) {
      const span = started(request);
      const answer: ModelResponse = {};
      for await (const part of stream(request)) {
        gather(answer, part);
        yield part;
      }
      record(span, ATTR.outputMessages, () => chatOutputMessages(answer));
    };
  }
  return model;
}

/** Adds a streamed part to the answer it belongs to. */
function gather(answer: ModelResponse, part: ModelStreamPart): void {
  if (part.type === "text-delta") answer.content = (answer.content ?? "") + part.text;
  else if (part.type === "tool-call") (answer.toolCalls ??= []).push(part);
  else if (part.finishReason !== undefined) answer.finishReason = part.finishReason;
}
