import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** One server-sent event: a data payload (JSON unless a string) and an optional event name. */
export interface SseEvent {
  event?: string;
  data: unknown;
}

/** What the server answers to one request. */
export type Reply =
  | { kind: "json"; status?: number; headers?: Record<string, string>; body: unknown }
  | { kind: "text"; status: number; headers?: Record<string, string>; body: string }
  | {
      kind: "sse";
      events: (SseEvent | string)[];
      headers?: Record<string, string>;
      /** Destroy the socket after these events, without ending the response: a dropped connection. */
      drop?: boolean;
      /** Write each event in two TCP writes, cut in the middle of its JSON. */
      splitFrames?: boolean;
      /** Keep the response open after the events, until the client goes away. */
      hold?: boolean;
    }
  | { kind: "hang" };

/** A request the server received, its body parsed as JSON when it is. */
export interface Received {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

function frame(event: SseEvent | string): string {
  if (typeof event === "string") return `data: ${event}\n\n`;
  const data = typeof event.data === "string" ? event.data : JSON.stringify(event.data);
  return `${event.event !== undefined ? `event: ${event.event}\n` : ""}data: ${data}\n\n`;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A node:http server on 127.0.0.1 that answers each request with the next
 * scripted reply (a JSON body, any text, an SSE stream written event by
 * event, a stream whose connection is destroyed midway, or no answer at
 * all) and records what it received.
 */
export class Loopback {
  readonly received: Received[] = [];
  /** Sockets closed by the client before the answer ended (an abort or a cancelled stream). */
  clientClosed = 0;
  readonly #replies: Reply[] = [];
  readonly #sockets = new Set<Socket>();

  private constructor(
    readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts a server on a free port of 127.0.0.1. */
  static async start(): Promise<Loopback> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const self = new Loopback(server, `http://127.0.0.1:${port}`);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void self.#answer(req, res));
    server.on("connection", (socket) => {
      self.#sockets.add(socket);
      socket.on("close", () => self.#sockets.delete(socket));
    });
    return self;
  }

  /** Queues replies, answered in order. */
  reply(...replies: Reply[]): this {
    this.#replies.push(...replies);
    return this;
  }

  /** The body of the last request, as JSON. */
  lastBody(): Record<string, unknown> {
    return this.received.at(-1)?.body as Record<string, unknown>;
  }

  /** Stops the server and destroys every open socket. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: kept as text.
    }
    this.received.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
    res.on("close", () => {
      if (!res.writableEnded) this.clientClosed++;
    });
    const reply = this.#replies.shift();
    if (reply === undefined) {
      res.writeHead(500, { "content-type": "application/json" }).end('{"error":{"message":"no reply scripted"}}');
      return;
    }
    switch (reply.kind) {
      case "json":
        res
          .writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers })
          .end(JSON.stringify(reply.body));
        return;
      case "text":
        res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers }).end(reply.body);
        return;
      case "hang":
        return;
      case "sse": {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...reply.headers });
        for (const event of reply.events) {
          if (res.destroyed) return;
          const text = frame(event);
          if (reply.splitFrames) {
            const cut = Math.floor(text.length / 2);
            res.write(text.slice(0, cut));
            await tick();
            res.write(text.slice(cut));
          } else {
            res.write(text);
          }
          await tick();
        }
        if (reply.drop) res.socket?.destroy();
        else if (!reply.hold) res.end();
        return;
      }
    }
  }
}
