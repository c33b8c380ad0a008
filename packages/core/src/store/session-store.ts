import type { ModelMessage } from "@cortex/primitives";
import { SessionBusyError, SessionConflictError } from "../errors.js";
import { toJson } from "../json.js";
import { notStorable, rejection } from "./store-files.js";
import { pageOf, type Page, type PageOptions } from "./pages.js";

/** The run that holds a session, and until when. */
export interface SessionLease {
  runId: string;
  /** Epoch milliseconds after which another run may take the session; absent: until the holder releases it. */
  expiresAt?: number;
}

/** A conversation as a session store keeps it. */
export interface StoredSession {
  id: string;
  /** The conversation, oldest first: users' inputs, the assistant's answers, tool calls and their results. No system prompt. */
  messages: ModelMessage[];
  /** 0 for a session nothing was appended to yet; each append adds 1. */
  version: number;
  /** ISO 8601 times the session was created and last appended to. */
  createdAt: string;
  updatedAt: string;
  /** Set while a run holds the session (also an expired lease nobody has taken since). */
  lease?: SessionLease;
}

/** What `SessionStore.list` returns of each session. */
export interface SessionSummary {
  id: string;
  messageCount: number;
  version: number;
  createdAt: string;
  updatedAt: string;
  lease?: SessionLease;
}

/** What a run writes with `SessionStore.append`. */
export interface SessionAppend {
  /** The run writing; it must hold the session's lease (expired or not, as long as no other run took it). */
  runId: string;
  /** The version the run last saw (from `acquire` or its last `append`); anything else is a conflict. */
  expectedVersion: number;
  /** Appended in order; may be empty (to renew or release only). */
  messages: ModelMessage[];
  /** The lease afterwards: renewed until this epoch-ms time, `null` to release it, absent to hold it with no expiry. */
  leaseUntil?: number | null;
}

/**
 * Where conversations live between runs. A database implements it; the
 * engine ships `MemorySessionStore` (the default) and `JsonFileSessionStore`.
 *
 * A session is held by one run at a time (a lease), from the run's start
 * until it ends — through a pause at a checkpoint too, since the turn is not
 * over until the checkpoint is resolved. A run that finds the session held
 * is refused (`CORTEX_SESSION_BUSY`) before it starts: runs on one session
 * never interleave. Every method is atomic: two processes acquiring one
 * session at once get it once.
 *
 * What the engine appends, and when: when a run pauses, everything of its
 * turn so far (its input, the assistant's messages, the tool results before
 * the paused call), keeping the lease until the checkpoint expires; when it
 * ends, the rest, releasing the lease. A failed run closes every tool call
 * left without a result with an error result, so the conversation stays
 * one a model accepts. A resumed run (in any process) takes the lease again
 * under the same run id and goes on from the version it last wrote.
 */
export interface SessionStore {
  /** The session, or undefined when none has this id. */
  load(sessionId: string): Promise<StoredSession | undefined>;
  /**
   * Gives the session to `runId` until `leaseUntil` (epoch ms; absent: until
   * released) and returns it: creates it (empty, version 0) when missing,
   * renews the lease when `runId` holds it already, takes it when the lease
   * is absent or has expired. Rejects with `SessionBusyError` when another
   * run holds an unexpired lease.
   */
  acquire(sessionId: string, runId: string, leaseUntil?: number): Promise<StoredSession>;
  /**
   * Appends as `append.runId` and sets its lease; resolves with the new
   * version (`expectedVersion + 1`). Rejects with `SessionConflictError`,
   * appending nothing, when the session is gone, another run holds it, or
   * its version is not `expectedVersion`.
   */
  append(sessionId: string, append: SessionAppend): Promise<number>;
  /** Drops the lease when `runId` holds it; nothing happens otherwise. */
  release(sessionId: string, runId: string): Promise<void>;
  /** One page of sessions, oldest first (by creation time, then id); `nextCursor` is set when more follow. */
  list(options?: PageOptions): Promise<Page<SessionSummary>>;
  /** Removes the session, held or not (a run holding it then fails to append: `CORTEX_SESSION_CONFLICT`). */
  delete(sessionId: string): Promise<void>;
}

/** True when a lease keeps other runs out at `now`. */
export function leaseHolds(lease: SessionLease | undefined, now: number): lease is SessionLease {
  return lease !== undefined && (lease.expiresAt === undefined || lease.expiresAt > now);
}

/** A lease's end as ISO 8601, for messages; undefined when it has none. */
export const leaseEnd = (lease: SessionLease): string | undefined =>
  lease.expiresAt === undefined ? undefined : new Date(lease.expiresAt).toISOString();

/**
 * The rules every store applies, on a session it has read under its lock:
 * `acquire`'s result (the session to write, or a busy error) — shared by the
 * memory, file and database stores so all behave exactly alike.
 */
export function sessionAfterAcquire(
  sessionId: string,
  found: StoredSession | undefined,
  runId: string,
  leaseUntil: number | undefined,
  now: number,
): StoredSession {
  const at = new Date(now).toISOString();
  const session = found ?? { id: sessionId, messages: [], version: 0, createdAt: at, updatedAt: at };
  const { lease } = session;
  if (lease !== undefined && lease.runId !== runId && leaseHolds(lease, now)) {
    throw new SessionBusyError(sessionId, lease.runId, leaseEnd(lease));
  }
  session.lease = leaseUntil === undefined ? { runId } : { runId, expiresAt: leaseUntil };
  return session;
}

/** `append`'s rules on a session read under the store's lock: the session to write (changed in place), or a conflict. */
export function sessionAfterAppend(
  sessionId: string,
  found: StoredSession | undefined,
  append: SessionAppend,
  now: number,
): StoredSession {
  if (found === undefined) throw new SessionConflictError(sessionId, "it was deleted while the run held it");
  if (found.lease?.runId !== append.runId) {
    const holder = found.lease === undefined ? "no run" : `run ${found.lease.runId}`;
    throw new SessionConflictError(sessionId, `run ${append.runId} no longer holds it (${holder} does)`);
  }
  if (found.version !== append.expectedVersion) {
    throw new SessionConflictError(
      sessionId,
      `it is at version ${found.version}, not ${append.expectedVersion} as run ${append.runId} expected`,
    );
  }
  found.messages.push(...append.messages);
  found.version += 1;
  found.updatedAt = new Date(now).toISOString();
  if (append.leaseUntil === null) delete found.lease;
  else
    found.lease =
      append.leaseUntil === undefined ? { runId: append.runId } : { runId: append.runId, expiresAt: append.leaseUntil };
  return found;
}

/** What `list` shows of a session (for stores that implement `SessionStore`). */
export function sessionSummary(session: StoredSession): SessionSummary {
  const summary: SessionSummary = {
    id: session.id,
    messageCount: session.messages.length,
    version: session.version,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
  };
  if (session.lease !== undefined) summary.lease = { ...session.lease };
  return summary;
}

/** The default session store: conversations in this process's memory, kept as JSON so nobody shares objects with it. */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, string>();

  #read(sessionId: string): StoredSession | undefined {
    const json = this.#sessions.get(sessionId);
    return json === undefined ? undefined : (JSON.parse(json) as StoredSession);
  }

  #write(session: StoredSession): void {
    const json = toJson(session);
    if (json === undefined) throw notStorable("The session");
    this.#sessions.set(session.id, json);
  }

  load(sessionId: string): Promise<StoredSession | undefined> {
    return Promise.resolve(this.#read(sessionId));
  }

  acquire(sessionId: string, runId: string, leaseUntil?: number): Promise<StoredSession> {
    try {
      const session = sessionAfterAcquire(sessionId, this.#read(sessionId), runId, leaseUntil, Date.now());
      this.#write(session);
      return Promise.resolve(session);
    } catch (error) {
      return rejection(error);
    }
  }

  append(sessionId: string, append: SessionAppend): Promise<number> {
    try {
      const session = sessionAfterAppend(sessionId, this.#read(sessionId), append, Date.now());
      this.#write(session);
      return Promise.resolve(session.version);
    } catch (error) {
      return rejection(error);
    }
  }

  release(sessionId: string, runId: string): Promise<void> {
    const session = this.#read(sessionId);
    if (session?.lease?.runId === runId) {
      delete session.lease;
      this.#write(session);
    }
    return Promise.resolve();
  }

  list(options?: PageOptions): Promise<Page<SessionSummary>> {
    try {
      const all = [...this.#sessions.keys()].map((id) => sessionSummary(this.#read(id)!));
      return Promise.resolve(pageOf(all, options, "listSessions"));
    } catch (error) {
      return rejection(error);
    }
  }

  delete(sessionId: string): Promise<void> {
    this.#sessions.delete(sessionId);
    return Promise.resolve();
  }
}
