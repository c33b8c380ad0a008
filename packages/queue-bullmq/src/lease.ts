import { delay, type Logger } from "@cortex/primitives";
import type { RedisClient } from "bullmq";

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

/**
 * One job at a time drives a run: a job takes the run's lease in Redis
 * before it loads the run, renews it while it works, and gives it back at
 * the end; a lease whose worker died expires after `ttlMs`. So a job taken
 * again after a crash (or after a lock BullMQ thought lost) waits for the
 * one still driving the run, then sees where that one left it, and never
 * drives the run beside it.
 */
export class RunLeases {
  readonly #ready: Promise<RedisClient>;

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

  /** Runs `work` holding the run's lease (waiting for it while another job holds it). */
  async hold<T>(runId: string, token: string, work: () => Promise<T>): Promise<T> {
    const redis = await this.#ready;
    const key = `${this.keyPrefix}${runId}`;
    const args = [key, token, String(this.ttlMs)];
    while (Number(await redis.runCommand("cortexLeaseAcquire", args)) !== 1) await delay(POLL_MS);
    const renew = setInterval(() => {
      redis.runCommand("cortexLeaseRenew", args).then(
        (held) => {
          if (Number(held) !== 1) this.logger.warn("a run's lease was lost while its job ran", { runId });
        },
        (error: unknown) => this.logger.warn("a run's lease could not be renewed", { runId, error }),
      );
    }, this.ttlMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await redis.runCommand("cortexLeaseRelease", [key, token]).catch(() => undefined);
    }
  }
}
