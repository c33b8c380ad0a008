import {
  sessionAfterAcquire,
  sessionAfterAppend,
  sessionSummary,
  type Page,
  type PageOptions,
  type SessionAppend,
  type SessionLease,
  type SessionStore,
  type SessionSummary,
  type StoredSession,
} from "@cortex/core";
import { consoleLogger, guardedLogger, InvalidOptionsError, type ModelMessage } from "@cortex/primitives";
import type { PoolClient } from "pg";
import { Database } from "./database.js";
import { checkMigrated, migrate, quote, type MigrationReport } from "./migrate.js";
import { SCHEMA_VERSION } from "./migrations.js";
import { resolveOptions, STORE_POSTGRES_DEFAULTS, type PostgresRunStoreOptions } from "./options.js";

/** What the `state` column of a session row holds. */
interface SessionState {
  messages: ModelMessage[];
  lease?: SessionLease;
}

interface SessionRow {
  session_id: string;
  state: SessionState;
  version: string | number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "session_id, state, version, created_at, updated_at";

function sessionOf(row: SessionRow): StoredSession {
  const session: StoredSession = {
    id: row.session_id,
    messages: row.state.messages,
    version: Number(row.version),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  if (row.state.lease !== undefined) session.lease = row.state.lease;
  return session;
}

const stateOf = (session: StoredSession): string =>
  JSON.stringify({ messages: session.messages, ...(session.lease ? { lease: session.lease } : {}) });

// A cursor is the position of a page's last session: its creation time and id, which never change.
const encodeCursor = (createdAt: string, id: string): string =>
  Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");

function decodeCursor(cursor: unknown): [string, string] {
  if (typeof cursor === "string") {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      if (Array.isArray(value) && value.length === 2) {
        const [createdAt, id] = value as unknown[];
        if (typeof createdAt === "string" && !Number.isNaN(Date.parse(createdAt)) && typeof id === "string")
          return [createdAt, id];
      }
    } catch {
      // reported below
    }
  }
  throw new InvalidOptionsError("after", "listSessions: after must be a nextCursor returned by listSessions");
}

function pageLimit(options: PageOptions | undefined): number {
  const limit = options?.limit ?? STORE_POSTGRES_DEFAULTS.pageSize;
  if (Number.isInteger(limit) && limit >= 1 && limit <= STORE_POSTGRES_DEFAULTS.maxPageSize) return limit;
  throw new InvalidOptionsError(
    "limit",
    `listSessions: limit must be a whole number from 1 to ${STORE_POSTGRES_DEFAULTS.maxPageSize}; got ${String(limit)}`,
  );
}

/**
 * Conversations in PostgreSQL (the `sessions` table), for engines in any
 * number of processes: `@cortex/core`'s `SessionStore`. Each method is one
 * transaction that locks the session's row (`SELECT … FOR UPDATE`), so two
 * runs acquiring one session at once get it once, and an append checks
 * the holder and the version it expects under the same lock. It applies
 * core's own rules (`sessionAfterAcquire`, `sessionAfterAppend`), so it
 * behaves exactly like `MemorySessionStore` and `JsonFileSessionStore`.
 * Lease expiry times are the engines' clocks (epoch ms), as with the file store.
 * Takes the options of `PostgresRunStore`; give both the same `pool` to share connections.
 */
export class PostgresSessionStore implements SessionStore {
  /** The schema that holds the tables. */
  readonly schema: string;
  readonly #db: Database;
  readonly #table: string;
  #ready: Promise<void> | undefined;

  /** From a `postgres://` URL, or options with a `connectionString` or a `pg` pool. Connects lazily. */
  constructor(options: string | PostgresRunStoreOptions) {
    const given = typeof options === "string" ? { connectionString: options } : options;
    const resolved = resolveOptions(given);
    const logger = guardedLogger(resolved.logger ?? consoleLogger);
    this.schema = resolved.schema;
    const connection =
      given.pool !== undefined
        ? { pool: given.pool }
        : {
            connectionString: given.connectionString!,
            poolSize: given.poolSize,
            applicationName: given.applicationName,
          };
    this.#db = new Database(connection, resolved.retry, logger, SCHEMA_VERSION);
    this.#table = `${quote(this.schema)}.sessions`;
  }

  /** Creates or updates the tables (the same migrations as `PostgresRunStore`'s; idempotent). */
  async migrate(): Promise<MigrationReport> {
    const report = await migrate(this.#db, this.schema);
    this.#ready = Promise.resolve();
    return report;
  }

  #whenReady(): Promise<void> {
    this.#ready ??= checkMigrated(this.#db, this.schema).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #locked(client: PoolClient, sessionId: string): Promise<StoredSession | undefined> {
    const { rows } = await client.query<SessionRow>(
      `SELECT ${COLUMNS} FROM ${this.#table} WHERE session_id = $1 FOR UPDATE`,
      [sessionId],
    );
    return rows[0] === undefined ? undefined : sessionOf(rows[0]);
  }

  async #write(client: PoolClient, session: StoredSession): Promise<void> {
    await client.query(
      `UPDATE ${this.#table} SET state = $2::jsonb, version = $3, updated_at = $4 WHERE session_id = $1`,
      [session.id, stateOf(session), session.version, session.updatedAt],
    );
  }

  /** The session, or undefined when none has this id. */
  async load(sessionId: string): Promise<StoredSession | undefined> {
    if (typeof sessionId !== "string") return undefined;
    await this.#whenReady();
    const { rows } = await this.#db.query<SessionRow>(
      "loadSession",
      `SELECT ${COLUMNS} FROM ${this.#table} WHERE session_id = $1`,
      [sessionId],
    );
    return rows[0] === undefined ? undefined : sessionOf(rows[0]);
  }

  /** Gives the session to `runId` (creating it empty when missing); `CORTEX_SESSION_BUSY` while another run holds it. */
  async acquire(sessionId: string, runId: string, leaseUntil?: number): Promise<StoredSession> {
    await this.#whenReady();
    return this.#db.transaction("acquireSession", async (client) => {
      const now = Date.now();
      const at = new Date(now).toISOString();
      await client.query(
        `INSERT INTO ${this.#table} (session_id, state, version, created_at, updated_at)
         VALUES ($1, '{"messages":[]}'::jsonb, 0, $2, $2) ON CONFLICT (session_id) DO NOTHING`,
        [sessionId, at],
      );
      const session = sessionAfterAcquire(sessionId, await this.#locked(client, sessionId), runId, leaseUntil, now);
      await this.#write(client, session);
      return session;
    });
  }

  /** Appends as the holder at the version it expects; `CORTEX_SESSION_CONFLICT`, appending nothing, otherwise. */
  async append(sessionId: string, append: SessionAppend): Promise<number> {
    await this.#whenReady();
    return this.#db.transaction("appendSession", async (client) => {
      const session = sessionAfterAppend(sessionId, await this.#locked(client, sessionId), append, Date.now());
      await this.#write(client, session);
      return session.version;
    });
  }

  /** Drops the lease when `runId` holds it; nothing happens otherwise. */
  async release(sessionId: string, runId: string): Promise<void> {
    await this.#whenReady();
    await this.#db.query(
      "releaseSession",
      `UPDATE ${this.#table} SET state = state - 'lease' WHERE session_id = $1 AND state->'lease'->>'runId' = $2`,
      [sessionId, runId],
    );
  }

  /** One page of sessions, oldest first (by creation time, then id); `nextCursor` is set when more follow. */
  async list(options?: PageOptions): Promise<Page<SessionSummary>> {
    const limit = pageLimit(options);
    const after = options?.after === undefined ? undefined : decodeCursor(options.after);
    await this.#whenReady();
    const values: unknown[] = [limit + 1];
    let where = "";
    if (after !== undefined) {
      values.push(after[0], after[1]);
      where = `WHERE (created_at, session_id COLLATE "C") > ($2::timestamptz, $3 COLLATE "C")`;
    }
    const { rows } = await this.#db.query<SessionRow>(
      "listSessions",
      `SELECT ${COLUMNS} FROM ${this.#table} ${where}
       ORDER BY created_at, session_id COLLATE "C" LIMIT $1`,
      values,
    );
    const items = rows.slice(0, limit).map((row) => sessionSummary(sessionOf(row)));
    if (rows.length <= limit) return { items };
    const last = items.at(-1)!;
    return { items, nextCursor: encodeCursor(last.createdAt, last.id) };
  }

  /** Removes the session, held or not (its holder's next append is a `CORTEX_SESSION_CONFLICT`). */
  async delete(sessionId: string): Promise<void> {
    if (typeof sessionId !== "string") return;
    await this.#whenReady();
    await this.#db.query("deleteSession", `DELETE FROM ${this.#table} WHERE session_id = $1`, [sessionId]);
  }

  /** Refuses further calls (`CORTEX_STORE_CLOSED`) and ends the pool the store created; a pool you passed stays open. */
  close(): Promise<void> {
    return this.#db.close();
  }
}
