import type { ServerResponse } from "node:http";
import { startTimer } from "@cortex/primitives";
import type { FastifyReply, FastifyRequest } from "fastify";
import { UnavailableError } from "../errors.js";
import type { EventHub, ServerEvent } from "../events.js";
import { SECURITY_HEADERS } from "./replies.js";

/** Options of {@link EventStreams}. */
export interface EventStreamOptions {
  heartbeatMs: number;
  maxStreams: number;
  /** Whether the request's credentials are still good (a session may end while its stream is open). */
  stillValid: (request: FastifyRequest) => boolean;
}

/**
 * Server-sent events for the web page: each event names what changed
 * (`pending`, `votes`, `run`, `ledger`) so the page fetches it again through
 * the API, which checks the principal as usual. A comment line every
 * `heartbeatMs` keeps proxies from closing an idle stream; a stream whose
 * session ended is closed at its next event or heartbeat.
 */
export class EventStreams {
  readonly #open = new Set<() => void>();

  constructor(
    readonly hub: EventHub,
    readonly options: EventStreamOptions,
  ) {}

  /** The route handler of `GET /api/events`. */
  handle = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (this.#open.size >= this.options.maxStreams)
      throw new UnavailableError("Too many event streams are open; try again later");
    await reply.hijack();
    const raw: ServerResponse = reply.raw;
    raw.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    raw.write("retry: 2000\n\n");
    let cancelBeat = (): void => undefined;
    const write = (text: string): void => {
      if (!this.options.stillValid(request)) {
        end();
        return;
      }
      raw.write(text);
    };
    const beat = (): void => {
      write(": keep-alive\n\n");
      cancelBeat = startTimer(this.options.heartbeatMs, beat, { unref: true });
    };
    const unsubscribe = this.hub.subscribe((event: ServerEvent) =>
      write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
    );
    const end = (): void => {
      unsubscribe();
      cancelBeat();
      this.#open.delete(end);
      if (!raw.writableEnded) raw.end();
    };
    this.#open.add(end);
    cancelBeat = startTimer(this.options.heartbeatMs, beat, { unref: true });
    request.raw.on("close", end);
  };

  /** Streams open now. */
  get size(): number {
    return this.#open.size;
  }

  /** Ends every open stream (the server is closing). */
  closeAll(): void {
    for (const end of [...this.#open]) end();
  }
}
