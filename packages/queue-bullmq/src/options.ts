import { InvalidOptionsError } from "@cortex/primitives";
import type { ConnectionOptions } from "bullmq";

/** Every default of `@cortex/queue-bullmq`, in one place. */
export const QUEUE_BULLMQ_DEFAULTS = {
  /** The BullMQ queue's name. */
  queueName: "cortex-runs",
  /** The prefix of every Redis key BullMQ writes. */
  prefix: "cortex",
  /** Jobs one worker process runs at once. */
  concurrency: 8,
  /** How long a worker's lock on a job lasts without renewal: a worker silent this long is taken for dead. */
  lockDurationMs: 30_000,
  /** How often workers look for jobs whose worker died (stalled jobs) and put them back in the queue. */
  stalledIntervalMs: 15_000,
  /** Times a job may be taken back from a dead worker before it fails. */
  maxStalledCount: 10,
  /** Tries of a job whose processing threw (the store or Redis down), the first included, with exponential backoff. */
  attempts: 5,
  /** Backoff before the second try, doubled for each further one. */
  backoffMs: 1_000,
  /** How long finished jobs (and so the results `getResult` reads) are kept, in seconds. */
  keepJobsSeconds: 7 * 24 * 3600,
  /** How long one client call (or a worker's first connection) waits for Redis before it fails. */
  commandTimeoutMs: 10_000,
  /** How long `waitForResult` waits when given no `timeoutMs`. */
  waitTimeoutMs: 300_000,
} as const;

/** Where Redis is: a `redis://` URL, or ioredis options (host, port, password, tls…), or an ioredis instance. */
export type RedisConnection = string | ConnectionOptions;

/** Options both the client and the worker take. */
export interface QueueLocation {
  /** Redis: a `redis://[user:password@]host:port[/db]` URL, ioredis options, or an ioredis instance. */
  connection: RedisConnection;
  /** The queue's name; clients and workers of one queue use the same. Default `cortex-runs`. */
  queueName?: string;
  /** Prefix of BullMQ's Redis keys. Default `cortex`. */
  prefix?: string;
  /** How long one call waits for Redis (a worker: its first connection) before `CORTEX_QUEUE_CONNECTION_FAILED`. Default 10 000 ms. */
  commandTimeoutMs?: number;
}

/** ioredis options from a URL or options; `worker` connections never give up on a command (BullMQ needs that). */
export function connectionOf(connection: RedisConnection, where: string, worker: boolean): ConnectionOptions {
  if (typeof connection !== "string") {
    if (typeof connection !== "object" || connection === null)
      throw new InvalidOptionsError("connection", `${where}: connection must be a redis:// URL or ioredis options`);
    return connection;
  }
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    throw new InvalidOptionsError("connection", `${where}: connection is not a URL`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:")
    throw new InvalidOptionsError("connection", `${where}: connection must be a redis:// or rediss:// URL`);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname,
    port: url.port === "" ? 6379 : Number(url.port),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(Number.isInteger(db) ? { db } : {}),
    ...(url.protocol === "rediss:" ? { tls: {} } : {}),
    ...(worker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 3, enableOfflineQueue: true }),
  };
}

/** A whole number ≥ `least`, or `CORTEX_INVALID_OPTIONS` naming the option. */
export function wholeNumber(where: string, option: string, value: unknown, least: number): number {
  if (Number.isInteger(value) && (value as number) >= least) return value as number;
  throw new InvalidOptionsError(option, `${where}: ${option} must be a whole number ≥ ${least}; got ${String(value)}`);
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The queue name and prefix, checked (no `:`, which BullMQ uses as its separator). */
export function locationOf(options: QueueLocation, where: string): { queueName: string; prefix: string } {
  const queueName = options.queueName ?? QUEUE_BULLMQ_DEFAULTS.queueName;
  const prefix = options.prefix ?? QUEUE_BULLMQ_DEFAULTS.prefix;
  if (!NAME.test(queueName))
    throw new InvalidOptionsError("queueName", `${where}: queueName must be 1-100 letters, digits, "_", "." or "-"`);
  if (!NAME.test(prefix))
    throw new InvalidOptionsError("prefix", `${where}: prefix must be 1-100 letters, digits, "_", "." or "-"`);
  return { queueName, prefix };
}
