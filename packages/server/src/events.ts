import type { Logger } from "@cortex/primitives";

/** What the server tells open pages: hints to fetch again, never data a principal could not fetch. */
export type ServerEvent =
  | { type: "pending"; added: string[]; removed: string[] }
  | { type: "votes"; checkpointId: string; status: "pending" | "approved" | "denied" | "expired" }
  | { type: "run"; runId: string; status: string }
  | { type: "ledger"; seq: number };

/** Fans server events out to the open event streams; a listener that throws is logged and kept. */
export class EventHub {
  readonly #listeners = new Set<(event: ServerEvent) => void>();

  constructor(readonly logger: Logger) {}

  /** Streams open now. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: ServerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn("an event stream listener failed", { error });
      }
    }
  }
}
