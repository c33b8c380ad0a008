import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A tool call the fake model answers with. */
export interface FakeCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** One turn: tool calls, or a final text. */
export type FakeTurn = { calls: FakeCall[]; content?: string } | { content: string };

/** A scripted OpenAI-compatible chat completions server on 127.0.0.1, recording the request bodies. */
export async function startFakeModel(
  turns: FakeTurn[],
): Promise<{ baseURL: string; bodies: unknown[]; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const headers: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      headers.push(req.headers);
      const turn = turns[bodies.length - 1] ?? { content: "(script exhausted)" };
      const message =
        "calls" in turn
          ? {
              role: "assistant",
              content: turn.content ?? null,
              tool_calls: turn.calls.map((c, i) => ({
                id: `call_${bodies.length}_${i}`,
                type: "function",
                function: { name: c.name, arguments: JSON.stringify(c.arguments) },
              })),
            }
          : { role: "assistant", content: turn.content };
      const finish = "calls" in turn ? "tool_calls" : "stop";
      if ((bodies.at(-1) as { stream?: unknown }).stream === true) {
        writeStreamed(res, message, finish);
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "chatcmpl-test",
          object: "chat.completion",
          created: 1_700_000_000,
          model: "fake",
          choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    bodies,
    headers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface FakeMessage {
  content?: string | null;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
}

/**
 * The same answer as server-sent events, as OpenAI streams it: the text in
 * word-sized deltas, each tool call's arguments in two pieces, the finish
 * reason, then a last chunk with the usage and `[DONE]`.
 */
function writeStreamed(res: ServerResponse, message: FakeMessage, finish: string): void {
  const chunk = (delta: Record<string, unknown>, reason: string | null = null) => ({
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "fake",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: reason }],
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: "" })];
  for (const word of (message.content ?? "").match(/\S+\s*/g) ?? []) chunks.push(chunk({ content: word }));
  (message.tool_calls ?? []).forEach((call, index) => {
    const half = Math.ceil(call.function.arguments.length / 2);
    const named = { name: call.function.name, arguments: call.function.arguments.slice(0, half) };
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: named }] }));
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments.slice(half) } }] }));
  });
  chunks.push(chunk({}, finish));
  chunks.push({ ...chunk({}), choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const each of chunks) res.write(`data: ${JSON.stringify(each)}\n\n`);
  res.end("data: [DONE]\n\n");
}
