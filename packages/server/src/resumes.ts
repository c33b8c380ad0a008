import { delay, isCortexError, messageOf, type Logger } from "@cortex/primitives";
import type { Decider } from "./deciders.js";
import type { EventHub } from "./events.js";
import type { CallRecord } from "./ledger/record.js";

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 5 * 60_000;
const REMEMBERED = 10_000;

/**
 * Carries recorded decisions out through the decider, one resume per
 * checkpoint at a time. A resume that fails is tried again by a later
 * `recover`, after a backoff (1 s, doubling, at most 5 min); one the
 * engine reports as already resumed (`CORTEX_CHECKPOINT_NOT_FOUND`: another
 * process's claim won) counts as done.
 */
export class Resumer {
  readonly #o: { decider: Decider; events: EventHub; logger: Logger; now: () => number };
  readonly #resuming = new Map<string, Promise<void>>();
  readonly #done = new Set<string>();
  readonly #retry = new Map<string, { failures: number; at: number }>();

  constructor(options: { decider: Decider; events: EventHub; logger: Logger; now: () => number }) {
    this.#o = options;
  }

  /** Whether a decided checkpoint still paused should be resumed now: not in progress, not done, not waiting for its retry. */
  wants(checkpointId: string): boolean {
    if (this.#resuming.has(checkpointId) || this.#done.has(checkpointId)) return false;
    return (this.#retry.get(checkpointId)?.at ?? 0) <= this.#o.now();
  }

  /** Starts carrying out a decision record (nothing for a vote, or a checkpoint already being resumed). */
  resume(record: CallRecord): void {
    if (record.kind !== "decision" || this.#resuming.has(record.checkpointId)) return;
    const id = record.checkpointId;
    const decision = {
      approved: record.decision === "approved",
      decidedBy:
        record.decision === "expired"
          ? "(expired)"
          : record.decision === "approved"
            ? record.approvals.join(", ")
            : record.principal!.id,
      ...(record.reason === null ? {} : { reason: record.reason }),
      approvalId: record.approvalId,
    };
    const job = Promise.resolve()
      .then(() => this.#o.decider.resume({ checkpointId: id, decision }))
      .then(
        (outcome) => {
          this.#finished(id);
          this.#o.events.publish({ type: "run", runId: outcome.runId ?? record.runId, status: outcome.status });
        },
        (error: unknown) => {
          if (isCortexError(error) && error.code === "CORTEX_CHECKPOINT_NOT_FOUND") {
            // Another process resumed it first: the claim let exactly one through.
            this.#finished(id);
            return;
          }
          const failures = (this.#retry.get(id)?.failures ?? 0) + 1;
          const wait = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (failures - 1));
          this.#retry.set(id, { failures, at: this.#o.now() + wait });
          this.#o.logger.error("could not resume a decided checkpoint; retrying later", {
            checkpointId: id,
            error: messageOf(error),
            retryInMs: wait,
          });
        },
      )
      .finally(() => this.#resuming.delete(id));
    this.#resuming.set(id, job);
  }

  #finished(id: string): void {
    this.#retry.delete(id);
    this.#done.add(id);
    if (this.#done.size > REMEMBERED) this.#done.delete(this.#done.values().next().value!);
  }

  /** Waits for resumes in progress, up to `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    const all = Promise.allSettled([...this.#resuming.values()]);
    await Promise.race([all, delay(timeoutMs, { unref: true })]);
  }
}
