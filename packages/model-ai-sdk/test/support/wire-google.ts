import { finishOf, pieces, usageOf, type Answer } from "./answer.js";
import type { Reply, SseEvent } from "./loopback.js";

// Google's Gemini API (`POST /v1beta/models/{model}:generateContent`, and
// `:streamGenerateContent?alt=sse`) as the real server answers. Gemini
// sends each function call whole, in its own chunk; text comes in pieces.

const FINISH = { stop: "STOP", "tool-calls": "STOP", length: "MAX_TOKENS", "content-filter": "SAFETY" };

function usageMetadata(answer: Answer) {
  const { input, output } = usageOf(answer);
  return { promptTokenCount: input, candidatesTokenCount: output, totalTokenCount: input + output };
}

function candidate(parts: Record<string, unknown>[], finishReason?: string) {
  return { content: { role: "model", parts }, ...(finishReason ? { finishReason } : {}), index: 0 };
}

/** A `generateContent` answer. */
export function googleJson(answer: Answer): Reply {
  const parts: Record<string, unknown>[] = [];
  if (answer.text !== undefined) parts.push({ text: answer.text });
  for (const call of answer.toolCalls ?? []) parts.push({ functionCall: { name: call.name, args: call.args } });
  return {
    kind: "json",
    body: {
      candidates: [candidate(parts, FINISH[finishOf(answer)])],
      usageMetadata: usageMetadata(answer),
      modelVersion: "gemini-2.5-flash",
      responseId: "resp-g-1",
    },
  };
}

/** The `streamGenerateContent?alt=sse` chunks: text pieces, then one chunk per function call, then the finish with usage. */
export function googleEvents(answer: Answer): SseEvent[] {
  const chunk = (parts: Record<string, unknown>[], finishReason?: string, usage = false): SseEvent => ({
    data: {
      candidates: [candidate(parts, finishReason)],
      ...(usage ? { usageMetadata: usageMetadata(answer) } : {}),
      modelVersion: "gemini-2.5-flash",
      responseId: "resp-g-1",
    },
  });
  const events = pieces(answer.text ?? "", 5).map((text) => chunk([{ text }]));
  for (const call of answer.toolCalls ?? [])
    events.push(chunk([{ functionCall: { name: call.name, args: call.args } }]));
  events.push(chunk([{ text: "" }], FINISH[finishOf(answer)], true));
  return events;
}

/** The stream as a reply. */
export function googleSse(answer: Answer, extra: Partial<Extract<Reply, { kind: "sse" }>> = {}): Reply {
  return { kind: "sse", events: googleEvents(answer), ...extra };
}

/** Google's error body. */
export function googleError(
  status: number,
  state: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  return { kind: "json", status, headers, body: { error: { code: status, message, status: state } } };
}
