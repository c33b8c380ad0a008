import { delay, messageOf, type Logger } from "@cortex/primitives";
import { Pool, type PoolClient, type QueryResult, type QueryResultRow } from "pg";
import { StoreClosedError } from "./errors.js";
import { classify, storeErrorOf } from "./failures.js";
import { STORE_POSTGRES_DEFAULTS, type RetryOptions } from "./options.js";

/** Where a `Database` connects: a URL (it makes and owns the pool) or a pool someone else owns. */
export type Connection = { connectionString: string; poolSize?: number; applicationName?: string } | { pool: Pool };

/**
 * The store's one way to talk to PostgreSQL: every call is retried with
 * backoff while it fails with a transient error, then turned into a coded
 * error. Callers make their statements safe to run twice (see the claim
 * token in `run-store.ts`): a connection lost after COMMIT looks the same
 * as one lost before it.
 */
export class Database {
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #retry: Required<RetryOptions>;
  readonly #logger: Logger;
  readonly #requiredVersion: number;
  #closed = false;

  constructor(connection: Connection, retry: Required<RetryOptions>, logger: Logger, requiredVersion: number) {
    this.#retry = retry;
    this.#logger = logger;
    this.#requiredVersion = requiredVersion;
    if ("pool" in connection) {
      this.#pool = connection.pool;
      this.#ownsPool = false;
      return;
    }
    this.#pool = new Pool({
      connectionString: connection.connectionString,
      max: connection.poolSize ?? STORE_POSTGRES_DEFAULTS.poolSize,
      application_name: connection.applicationName ?? STORE_POSTGRES_DEFAULTS.applicationName,
      connectionTimeoutMillis: STORE_POSTGRES_DEFAULTS.connectTimeoutMs,
      keepAlive: true,
    });
    this.#ownsPool = true;
    // An idle connection the server drops is an "error" event; unheard, it would end the process.
    this.#pool.on("error", (error) => {
      if (!this.#closed) this.#logger.warn("an idle PostgreSQL connection was lost", { error: messageOf(error) });
    });
  }

  /** One statement, retried while it fails transiently. `what` names the operation in errors. */
  query<R extends QueryResultRow>(what: string, text: string, values?: unknown[]): Promise<QueryResult<R>> {
    return this.#withRetries(what, () => this.#pool.query<R>(text, values));
  }

  /**
   * `work` inside BEGIN … COMMIT on one connection; the whole transaction
   * is tried again while it fails transiently. A connection that saw an
   * error is discarded, not put back in the pool.
   */
  transaction<T>(what: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.#withRetries(what, async () => {
      const client = await this.#pool.connect();
      // A checked-out connection's "error" event has no pool listener; without one it would end the process.
      const onError = (error: Error): void =>
        this.#logger.warn("a PostgreSQL connection was lost in a transaction", { error: messageOf(error) });
      client.on("error", onError);
      let failed = false;
      try {
        await client.query("BEGIN");
        const result = await work(client);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        failed = true;
        await client.query("ROLLBACK").catch(() => undefined); // the connection may be gone
        throw error;
      } finally {
        client.off("error", onError);
        client.release(failed);
      }
    });
  }

  async #withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      if (this.#closed) throw new StoreClosedError();
      try {
        return await attempt();
      } catch (error) {
        const { transient, kind, sqlState } = classify(error);
        if (!transient || tries >= this.#retry.attempts || this.#closed)
          throw storeErrorOf(error, tries, what, this.#requiredVersion);
        this.#logger.debug("retrying a PostgreSQL operation", { what, kind, sqlState, tries, error: messageOf(error) });
        const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (tries - 1));
        await delay(Math.random() * ceiling);
      }
    }
  }

  /** Refuses further calls; ends the pool when this `Database` made it. Calls in flight finish first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsPool) await this.#pool.end();
  }
}
