import { finishOf, pieces, usageOf, type Answer } from "./answer.js";
import type { Reply, SseEvent } from "./loopback.js";

// OpenAI's two wire formats: the Responses API (what `openai("…")` speaks)
// and chat completions (what `@ai-sdk/openai-compatible` speaks: Ollama,
// LM Studio, vLLM…), as the real servers send them.

const INCOMPLETE = { length: "max_output_tokens", "content-filter": "content_filter" } as const;

function responsesUsage(answer: Answer) {
  const { input, output } = usageOf(answer);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

function responsesOutput(answer: Answer) {
  const output: Record<string, unknown>[] = [];
  if (answer.text !== undefined) {
    output.push({
      type: "message",
      id: "msg_1",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: answer.text, annotations: [] }],
    });
  }
  for (const [index, call] of (answer.toolCalls ?? []).entries()) {
    output.push({
      type: "function_call",
      id: `fc_${index}`,
      call_id: call.id,
      name: call.name,
      arguments: JSON.stringify(call.args),
      status: "completed",
    });
  }
  return output;
}

function responseObject(answer: Answer, status: string) {
  const finish = finishOf(answer);
  const incomplete = finish === "length" || finish === "content-filter" ? { reason: INCOMPLETE[finish] } : null;
  return {
    id: "resp_1",
    object: "response",
    created_at: 1_760_000_000,
    status: incomplete ? "incomplete" : status,
    model: "gpt-4.1-mini-2025-04-14",
    output: status === "in_progress" ? [] : responsesOutput(answer),
    incomplete_details: incomplete,
    usage: status === "in_progress" ? null : responsesUsage(answer),
  };
}

/** A Responses API answer (`POST /responses`). */
export function responsesJson(answer: Answer): Reply {
  return {
    kind: "json",
    body: responseObject(answer, "completed"),
    headers: { "x-request-id": "req_json_1" },
  };
}

/** The Responses API's event stream for the answer: text and function-call arguments in small deltas. */
export function responsesEvents(answer: Answer): SseEvent[] {
  let seq = 0;
  const event = (type: string, fields: Record<string, unknown>): SseEvent => ({
    event: type,
    data: { type, sequence_number: seq++, ...fields },
  });
  const events: SseEvent[] = [event("response.created", { response: responseObject(answer, "in_progress") })];
  let index = 0;
  if (answer.text !== undefined) {
    const item = { type: "message", id: "msg_1", status: "in_progress", role: "assistant", content: [] };
    events.push(event("response.output_item.added", { output_index: index, item }));
    const part = { type: "output_text", text: "", annotations: [] };
    events.push(
      event("response.content_part.added", { item_id: "msg_1", output_index: index, content_index: 0, part }),
    );
    for (const delta of pieces(answer.text)) {
      events.push(
        event("response.output_text.delta", {
          item_id: "msg_1",
          output_index: index,
          content_index: 0,
          delta,
          logprobs: [],
        }),
      );
    }
    events.push(
      event("response.output_text.done", {
        item_id: "msg_1",
        output_index: index,
        content_index: 0,
        text: answer.text,
      }),
    );
    events.push(
      event("response.output_item.done", { output_index: index, item: responsesOutput({ text: answer.text })[0] }),
    );
    index++;
  }
  for (const [n, call] of (answer.toolCalls ?? []).entries()) {
    const id = `fc_${n}`;
    const item = { type: "function_call", id, call_id: call.id, name: call.name, arguments: "", status: "in_progress" };
    events.push(event("response.output_item.added", { output_index: index, item }));
    const args = JSON.stringify(call.args);
    for (const delta of pieces(args, 3)) {
      events.push(event("response.function_call_arguments.delta", { item_id: id, output_index: index, delta }));
    }
    events.push(event("response.function_call_arguments.done", { item_id: id, output_index: index, arguments: args }));
    events.push(
      event("response.output_item.done", {
        output_index: index,
        item: { ...item, arguments: args, status: "completed" },
      }),
    );
    index++;
  }
  const finish = finishOf(answer);
  const done = finish === "length" || finish === "content-filter" ? "response.incomplete" : "response.completed";
  events.push(event(done, { response: responseObject(answer, "completed") }));
  return events;
}

/** The Responses API's stream as a reply. */
export function responsesSse(answer: Answer, extra: Partial<Extract<Reply, { kind: "sse" }>> = {}): Reply {
  return { kind: "sse", events: responsesEvents(answer), headers: { "x-request-id": "req_sse_1" }, ...extra };
}

const CHAT_FINISH = { stop: "stop", length: "length", "tool-calls": "tool_calls", "content-filter": "content_filter" };

function chatUsage(answer: Answer) {
  const { input, output } = usageOf(answer);
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

/** A chat-completions answer (`POST /chat/completions`). */
export function chatJson(answer: Answer): Reply {
  const calls = answer.toolCalls ?? [];
  return {
    kind: "json",
    body: {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1_760_000_000,
      model: "llama3.2",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: answer.text ?? null,
            ...(calls.length > 0
              ? {
                  tool_calls: calls.map((call) => ({
                    id: call.id,
                    type: "function",
                    function: { name: call.name, arguments: JSON.stringify(call.args) },
                  })),
                }
              : {}),
          },
          finish_reason: CHAT_FINISH[finishOf(answer)],
        },
      ],
      usage: chatUsage(answer),
    },
  };
}

/** The chat-completions stream: text deltas, tool-call arguments in pieces by index, usage last, then [DONE]. */
export function chatSse(answer: Answer, extra: Partial<Extract<Reply, { kind: "sse" }>> = {}): Reply {
  const chunk = (choices: unknown[], more: Record<string, unknown> = {}): SseEvent => ({
    data: {
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1_760_000_000,
      model: "llama3.2",
      choices,
      ...more,
    },
  });
  const delta = (fields: Record<string, unknown>, finish: string | null = null) =>
    chunk([{ index: 0, delta: fields, finish_reason: finish }]);
  const events: (SseEvent | string)[] = [delta({ role: "assistant", content: "" })];
  for (const text of pieces(answer.text ?? "")) events.push(delta({ content: text }));
  for (const [index, call] of (answer.toolCalls ?? []).entries()) {
    events.push(
      delta({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }),
    );
    for (const args of pieces(JSON.stringify(call.args), 3)) {
      events.push(delta({ tool_calls: [{ index, function: { arguments: args } }] }));
    }
  }
  events.push(delta({}, CHAT_FINISH[finishOf(answer)]));
  events.push(chunk([], { usage: chatUsage(answer) }));
  events.push("[DONE]");
  return { kind: "sse", events, ...extra };
}

/** OpenAI's error body. */
export function openaiError(
  status: number,
  message: string,
  type: string,
  headers: Record<string, string> = {},
): Reply {
  return { kind: "json", status, headers, body: { error: { message, type, param: null, code: type } } };
}
