import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ModelRequest } from "@cortex/primitives";

/** One request as the fake server received it. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
  /** Set when the client closed the connection before a streamed answer was written in full. */
  hungUp?: boolean;
}

/** What the fake server does with a request: answer, never answer, or drop the connection. */
export type Reply =
  | { status?: number; json?: unknown; raw?: string; contentType?: string; headers?: Record<string, string> }
  | Sse
  | "hang"
  | "destroy";

/**
 * A streamed answer as OpenAI sends it: `text/event-stream`, each piece
 * written (and flushed) on its own a few ms apart, so the client reads them
 * as separate network chunks. `drop` destroys the connection after the last
 * piece instead of ending the response.
 */
export interface Sse {
  sse: string[];
  drop?: boolean;
}

/** The SSE bytes of these chunks, each a `data:` event, then `data: [DONE]` unless `done` is false. */
export function sseEvents(chunks: unknown[], done = true): string {
  return chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");
}

/** An OpenAI-compatible HTTP server on 127.0.0.1 (port 0) that records every request. */
export interface FakeServer {
  /** `http://127.0.0.1:<port>/v1` */
  baseURL: string;
  received: Received[];
  close(): Promise<void>;
}

export async function startFakeServer(reply: (request: Received, index: number) => Reply): Promise<FakeServer> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const request: Received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, raw, body };
      received.push(request);
      const answer = reply(request, received.length - 1);
      if (answer === "hang") return;
      if (answer === "destroy") {
        req.socket.destroy();
        return;
      }
      if ("sse" in answer) {
        res.on("close", () => {
          if (!res.writableFinished && answer.drop !== true) request.hungUp = true;
        });
        void writeSse(res, answer, () => req.socket.destroy());
        return;
      }
      const text = answer.raw ?? JSON.stringify(answer.json ?? {});
      res.writeHead(answer.status ?? 200, {
        "content-type": answer.contentType ?? "application/json",
        ...answer.headers,
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function writeSse(res: ServerResponse, answer: Sse, destroy: () => void): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.flushHeaders();
  for (const piece of answer.sse) {
    if (res.destroyed) return;
    res.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  if (answer.drop === true) destroy();
  else res.end();
}

/** A chat completion whose first choice carries this message. */
export function completion(message: Record<string, unknown>, finishReason = "stop"): Record<string, unknown> {
  return {
    id: "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "test-model",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: null, refusal: null, ...message },
        finish_reason: finishReason,
        logprobs: null,
      },
    ],
  };
}

/** A minimal request as core sends it. */
export function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    messages: [{ role: "user", content: "Hello" }],
    tools: [],
    signal: new AbortController().signal,
    agentId: "agent",
    runId: "run",
    ...overrides,
  };
}
