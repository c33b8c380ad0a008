import type { ModelMessage, ModelRequest, ModelStreamPart, ToolDefinition } from "@cortex/primitives";

/** The tool every test offers: a CONFIRM-style action with a strict JSON Schema. */
export const PUBLISH_TOOL: ToolDefinition = {
  name: "notes__publish",
  description: "Publish a note",
  parameters: {
    type: "object",
    properties: {
      text: { type: "string", description: "What to publish" },
      tags: { type: "array", items: { type: "string" } },
    },
    required: ["text"],
    additionalProperties: false,
  },
};

/** A whole round of conversation: system, user, an assistant tool call, its result. */
export const ROUND: ModelMessage[] = [
  { role: "system", content: "You publish notes." },
  { role: "user", content: "publish hello" },
  {
    role: "assistant",
    content: "On it.",
    toolCalls: [{ id: "call_1", name: "notes__publish", arguments: { text: "hello" } }],
  },
  { role: "tool", toolCallId: "call_1", name: "notes__publish", content: '{"ok":true,"data":{"id":1}}' },
];

/** A request for the engine's agent `assistant`, with the publish tool unless told otherwise. */
export function request(messages: ModelMessage[] = ROUND, extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    messages,
    tools: [PUBLISH_TOOL],
    signal: new AbortController().signal,
    agentId: "assistant",
    runId: "run-1",
    ...extra,
  };
}

/** Every part of a stream, in order. */
export async function collect(stream: AsyncIterable<ModelStreamPart>): Promise<ModelStreamPart[]> {
  const parts: ModelStreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** The error an async function rejects with (fails the test when it resolves). */
export async function rejection(work: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await work();
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected a rejection, but it resolved");
}
