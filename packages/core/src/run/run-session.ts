import type { ErrorInfo, ModelMessage } from "@cortex/primitives";
import { SessionConflictError } from "../errors.js";
import { toJson } from "../json.js";
import type { SessionStore, StoredSession } from "../store/session-store.js";
import type { RunState } from "./run-state.js";

/**
 * A run's side of its session: what it appends, and when its lease is
 * renewed. A run holds its session from start to end; pausing, it writes
 * its turn so far and keeps the lease until its checkpoint expires.
 */
export class RunSession {
  constructor(
    private readonly store: SessionStore,
    private readonly state: RunState,
    private readonly leaseMs: number,
  ) {}

  /**
   * Renews the lease when less than half of it is left, so a long run keeps
   * its session without a write per step. The session must still be at the
   * version the run last wrote: otherwise another run wrote to it meanwhile.
   */
  async renew(now: number): Promise<void> {
    const { session, sessionId, runId } = this.state;
    if (sessionId === undefined || session === undefined) return;
    if (session.leaseUntil !== undefined && session.leaseUntil - now > this.leaseMs / 2) return;
    const leaseUntil = now + this.leaseMs;
    checkVersion(sessionId, await this.store.acquire(sessionId, runId, leaseUntil), session.version);
    session.leaseUntil = leaseUntil;
  }

  /**
   * Takes the session back, for a fresh lease, when a paused run resumes or
   * a crashed one continues (same run id). Refused with nothing held or
   * created: `CORTEX_SESSION_BUSY` when another run holds it;
   * `CORTEX_SESSION_CONFLICT` when it was deleted, or another run wrote to
   * it, since this run last wrote.
   */
  async resume(now: number): Promise<void> {
    const { session, sessionId, runId } = this.state;
    if (sessionId === undefined || session === undefined) return;
    // `acquire` would create a deleted session anew: look first, so the common case creates nothing.
    if ((await this.store.load(sessionId)) === undefined) throw deletedWhilePaused(sessionId);
    const leaseUntil = now + this.leaseMs;
    const taken = await this.store.acquire(sessionId, runId, leaseUntil);
    if (taken.version !== session.version) {
      // Deleted between the two calls (made anew, empty, by `acquire`) or written by another run: not this run's.
      const recreated = taken.version === 0 && taken.messages.length === 0;
      // A failed clean-up leaves a lease that ends by itself; the refusal is what the caller must hear.
      await (recreated ? this.store.delete(sessionId) : this.store.release(sessionId, runId)).catch(noop);
      if (recreated) throw deletedWhilePaused(sessionId);
      checkVersion(sessionId, taken, session.version);
    }
    session.leaseUntil = leaseUntil;
  }

  /** Appends the paused run's turn so far; the lease holds until `until` (epoch ms), or with no end. */
  pause(until: number | undefined): Promise<void> {
    return this.#write(until);
  }

  /**
   * Appends the rest of the run and releases the session. A failed run first
   * answers every tool call left without a result with its error, so the
   * conversation stays one a model accepts.
   */
  async end(failure: ErrorInfo | undefined): Promise<void> {
    if (this.state.sessionId === undefined) return;
    if (failure !== undefined) closeOpenCalls(this.state, failure);
    await this.#write(null);
  }

  async #write(leaseUntil: number | null | undefined): Promise<void> {
    const { state } = this;
    const { session, sessionId } = state;
    if (sessionId === undefined || session === undefined) return;
    const messages = state.messages.slice(session.saved);
    const version = await this.store.append(sessionId, {
      runId: state.runId,
      expectedVersion: session.version,
      messages,
      ...(leaseUntil === undefined ? {} : { leaseUntil }),
    });
    state.session = { version, saved: state.messages.length };
    if (typeof leaseUntil === "number") state.session.leaseUntil = leaseUntil;
  }
}

const noop = (): void => undefined;

function deletedWhilePaused(sessionId: string): SessionConflictError {
  return new SessionConflictError(sessionId, "it was deleted while the run was paused; it is not created anew");
}

function checkVersion(sessionId: string, stored: StoredSession, expected: number): void {
  if (stored.version !== expected) {
    throw new SessionConflictError(
      sessionId,
      `another run wrote to it (version ${stored.version}) while this run held it at version ${expected}`,
    );
  }
}

/** Adds an error result for every tool call of the run that has none, in the order the calls were made. */
function closeOpenCalls(state: RunState, failure: ErrorInfo): void {
  const answered = new Set<string>();
  const asked: { id: string; name: string }[] = [];
  for (const message of state.messages.slice(state.inputStart)) {
    if (message.role === "tool") answered.add(message.toolCallId);
    else if (message.role === "assistant") for (const call of message.toolCalls ?? []) asked.push(call);
  }
  const content = toJson({ ok: false, error: { code: failure.code, message: failure.message } })!;
  const closing: ModelMessage[] = asked
    .filter((call) => !answered.has(call.id))
    .map((call) => ({ role: "tool", toolCallId: call.id, name: call.name, content }));
  state.messages.push(...closing);
}
