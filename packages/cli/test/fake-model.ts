import { createServer } from "node:http";
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
): Promise<{ baseURL: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
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
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "chatcmpl-test",
          object: "chat.completion",
          created: 1_700_000_000,
          model: "fake",
          choices: [{ index: 0, message, finish_reason: "calls" in turn ? "tool_calls" : "stop", logprobs: null }],
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
