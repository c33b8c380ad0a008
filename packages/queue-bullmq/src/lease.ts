import { delay, type Logger } from "@cortex/primitives";
import type { RedisClient } from "bullmq";
import { RunLeaseLostError } from "./errors.js";

const ACQUIRE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** How often a job waiting for a run's lease asks again. */
const POLL_MS = 50;

/** A job's hold on a run, for as long as its work runs. */
export interface Lease {
  readonly runId: string;
  /** Aborted, with a `RunLeaseLostError`, once the job must stop driving the run. */
  readonly signal: AbortSignal;
  /** Gives the run up from inside (the store fenced this job off): the signal aborts with `reason`. */
  lose(reason: RunLeaseLostError): void;
}

/**
 * One job at a time drives a run: a job takes the run's lease in Redis
 * before it loads the run, renews it while it works, and gives it back at
 * the end; a lease whose worker died expires after `ttlMs`. So a job taken
 * again after a crash (or after a lock BullMQ thought lost) waits for the
 * one still driving the run, then sees where that one left it, and never
 * drives the run beside it. A renewal that finds the lease gone (the
 * worker's event loop stalled past `ttlMs` and another job took the run)
 * aborts the lease's signal: the job stops driving the run. Within one
 * process a job of a run also waits until the previous job of that run
 * here has ended, so a process never has two drivers of one run.
 */
export class RunLeases {
  readonly #ready: Promise<RedisClient>;
  /** Per run, when the last job of it in this process ends. */
  readonly #local = new Map<string, Promise<void>>();

  constructor(
    client: Promise<RedisClient>,
    private readonly keyPrefix: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {
    this.#ready = client.then((redis) => {
      redis.defineCommand("cortexLeaseAcquire", { numberOfKeys: 1, lua: ACQUIRE });
      redis.defineCommand("cortexLeaseRenew", { numberOfKeys: 1, lua: RENEW });
      redis.defineCommand("cortexLeaseRelease", { numberOfKeys: 1, lua: RELEASE });
      return redis;
    });
  }

  /**
   * Runs `work` holding the run's lease (waiting for it while another job
   * holds it). When the lease is lost, `work` is not cut short: it sees the
   * lease's signal aborted and is expected to stop; `hold` then rejects with
   * the `RunLeaseLostError`, whatever `work` returned.
   */
  async hold<T>(runId: string, token: string, work: (lease: Lease) => Promise<T>): Promise<T> {
    const previous = this.#local.get(runId);
    let ended = (): void => undefined;
    const done = new Promise<void>((resolve) => (ended = resolve));
    this.#local.set(runId, done);
    try {
      await previous;
      return await this.#holding(runId, token, work);
    } finally {
      ended();
      if (this.#local.get(runId) === done) this.#local.delete(runId);
    }
  }

  async #holding<T>(runId: string, token: string, work: (lease: Lease) => Promise<T>): Promise<T> {
    const redis = await this.#ready;
    const key = `${this.keyPrefix}${runId}`;
    const args = [key, token, String(this.ttlMs)];
    while (Number(await redis.runCommand("cortexLeaseAcquire", args)) !== 1) await delay(POLL_MS);
    const controller = new AbortController();
    const lease: Lease = {
      runId,
      signal: controller.signal,
      lose: (reason) => {
        if (controller.signal.aborted) return;
        this.logger.warn("a run's job stops driving it: its lease was lost", { runId, reason: reason.message });
        controller.abort(reason);
      },
    };
    const renew = setInterval(() => {
      redis.runCommand("cortexLeaseRenew", args).then(
        (held) => {
          if (Number(held) !== 1) lease.lose(new RunLeaseLostError(runId, "its lease expired or was taken"));
        },
        (error: unknown) => this.logger.warn("a run's lease could not be renewed", { runId, error }),
      );
    }, this.ttlMs / 3);
    try {
      const result = await work(lease);
      if (controller.signal.aborted) throw controller.signal.reason;
      return result;
    } catch (error) {
      throw controller.signal.aborted ? (controller.signal.reason as Error) : error;
    } finally {
      clearInterval(renew);
      await redis.runCommand("cortexLeaseRelease", [key, token]).catch(() => undefined);
    }
  }
}
