import { finishOf, pieces, usageOf, type Answer } from "./answer.js";
import type { Reply, SseEvent } from "./loopback.js";

// Anthropic's Messages API (`POST /v1/messages`) as the real server answers.

const STOP = { stop: "end_turn", length: "max_tokens", "tool-calls": "tool_use", "content-filter": "refusal" };

function blocks(answer: Answer): Record<string, unknown>[] {
  const content: Record<string, unknown>[] = [];
  if (answer.text !== undefined) content.push({ type: "text", text: answer.text });
  for (const call of answer.toolCalls ?? []) {
    content.push({ type: "tool_use", id: call.id, name: call.name, input: call.args });
  }
  return content;
}

/** A Messages API answer. */
export function anthropicJson(answer: Answer): Reply {
  const { input, output } = usageOf(answer);
  return {
    kind: "json",
    headers: { "request-id": "req_ant_json" },
    body: {
      id: "msg_01",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5-20250929",
      content: blocks(answer),
      stop_reason: STOP[finishOf(answer)],
      stop_sequence: null,
      usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  };
}

/** The Messages API's event stream: text deltas and `input_json_delta` pieces of each tool call's input. */
export function anthropicEvents(answer: Answer): SseEvent[] {
  const { input, output } = usageOf(answer);
  const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: { type, ...fields },
  });
  const events: SseEvent[] = [
    event("message_start", {
      message: {
        id: "msg_01",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5-20250929",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      },
    }),
    event("ping", {}),
  ];
  let index = 0;
  if (answer.text !== undefined) {
    events.push(event("content_block_start", { index, content_block: { type: "text", text: "" } }));
    for (const text of pieces(answer.text)) {
      events.push(event("content_block_delta", { index, delta: { type: "text_delta", text } }));
    }
    events.push(event("content_block_stop", { index }));
    index++;
  }
  for (const call of answer.toolCalls ?? []) {
    events.push(
      event("content_block_start", {
        index,
        content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
      }),
    );
    events.push(event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: "" } }));
    for (const partial_json of pieces(JSON.stringify(call.args), 3)) {
      events.push(event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json } }));
    }
    events.push(event("content_block_stop", { index }));
    index++;
  }
  events.push(
    event("message_delta", {
      delta: { stop_reason: STOP[finishOf(answer)], stop_sequence: null },
      usage: { output_tokens: output },
    }),
  );
  events.push(event("message_stop", {}));
  return events;
}

/** The Messages API's stream as a reply. */
export function anthropicSse(answer: Answer, extra: Partial<Extract<Reply, { kind: "sse" }>> = {}): Reply {
  return { kind: "sse", events: anthropicEvents(answer), headers: { "request-id": "req_ant_sse" }, ...extra };
}

/** Anthropic's error body. */
export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return { kind: "json", status, headers, body: { type: "error", error: { type, message } } };
}
