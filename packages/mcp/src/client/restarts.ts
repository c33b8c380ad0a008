import { delay } from "@cortex/primitives";
import type { ResolvedOptions } from "./options.js";

/**
 * When a lost server may be started again: the delay doubles with each
 * restart in a row (from `restartBackoffMs` up to `restartBackoffMaxMs`),
 * and once `maxRestarts` in a row are used up, calls fail fast until
 * `restartBackoffMaxMs` has passed since the last start.
 */
export class Restarts {
  /** Restarts in a row, since the last call that went through. */
  count = 0;
  /** Why the server was last lost, or failed to start. */
  lastError: string | undefined;
  #lastStart = 0;
  #lostAt = 0;

  constructor(private readonly o: Pick<ResolvedOptions, "maxRestarts" | "restartBackoffMs" | "restartBackoffMaxMs">) {}

  /** The server was started outside a restart (at setup). */
  started(): void {
    this.#lastStart = Date.now();
  }

  /** The server was lost, or did not start, for `why`. */
  lost(why: string): void {
    this.lastError = why;
    this.#lostAt = Date.now();
  }

  /** A call went through: a later loss begins a new run of restarts. */
  succeeded(): void {
    this.count = 0;
  }

  /** Waits out the delay before the next start and counts it; throws while calls must fail fast. */
  async next(): Promise<void> {
    const o = this.o;
    if (this.count >= o.maxRestarts) {
      const left = o.restartBackoffMaxMs - (Date.now() - this.#lastStart);
      if (left > 0) {
        throw new Error(
          `it was restarted ${this.count} time(s) in a row; calls fail for ${Math.ceil(left)} ms more; last error: ${this.lastError ?? "unknown"}`,
        );
      }
      this.count = 0;
    }
    const wait = Math.min(o.restartBackoffMs * 2 ** this.count, o.restartBackoffMaxMs) - (Date.now() - this.#lostAt);
    if (wait > 0) await delay(wait);
    this.count += 1;
    this.#lastStart = Date.now();
  }
}
