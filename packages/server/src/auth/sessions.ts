import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Principal } from "@cortex/plugins";

/** A signed-in web session. */
export interface Session {
  principal: Principal;
  /** Sent back by the page in a header on every state-changing request. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** Set when the session was signed out or timed out. */
  ended?: boolean;
}

/** Options of `new SessionStore`. */
export interface SessionStoreOptions {
  idleMs: number;
  maxMs: number;
  max: number;
  now: () => number;
}

const digest = (id: string): string => createHash("sha256").update(id).digest("hex");

/**
 * Web sessions in this process's memory, keyed by the sha256 of their id
 * (the cookie's value is never stored). A session ends after `idleMs`
 * without a request, `maxMs` after sign-in, on sign-out, or when the
 * server restarts.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #o: SessionStoreOptions;

  constructor(options: SessionStoreOptions) {
    this.#o = options;
  }

  /** A new session for `principal`; `id` goes into the cookie and nowhere else. */
  create(principal: Principal): { id: string; session: Session } {
    const id = randomBytes(32).toString("base64url");
    const now = this.#o.now();
    const session: Session = {
      principal,
      csrfToken: randomBytes(32).toString("base64url"),
      createdAt: now,
      lastSeenAt: now,
    };
    this.#sessions.set(digest(id), session);
    // Oldest first: Map keeps insertion order.
    while (this.#sessions.size > this.#o.max) {
      const [oldest, dropped] = this.#sessions.entries().next().value!;
      dropped.ended = true;
      this.#sessions.delete(oldest);
    }
    return { id, session };
  }

  /** The live session with this id (its idle time restarts), or undefined. */
  get(id: string): Session | undefined {
    const key = digest(id);
    const session = this.#sessions.get(key);
    if (session === undefined) return undefined;
    const now = this.#o.now();
    if (!this.isLive(session)) {
      this.#sessions.delete(key);
      session.ended = true;
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  /** Whether the session is still signed in, without counting this as activity. */
  isLive(session: Session): boolean {
    const now = this.#o.now();
    return (
      session.ended !== true && now - session.lastSeenAt <= this.#o.idleMs && now - session.createdAt <= this.#o.maxMs
    );
  }

  /** The cookie's lifetime: a session never outlives `maxMs`. */
  get maxAgeSeconds(): number {
    return Math.floor(this.#o.maxMs / 1000);
  }

  /** When the session ends at the latest, in epoch ms. */
  expiresAt(session: Session): number {
    return Math.min(session.lastSeenAt + this.#o.idleMs, session.createdAt + this.#o.maxMs);
  }

  delete(id: string): void {
    const key = digest(id);
    const session = this.#sessions.get(key);
    if (session) session.ended = true;
    this.#sessions.delete(key);
  }
}

/** Whether `given` is the session's CSRF token, compared in constant time. */
export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== "string") return false;
  const expected = Buffer.from(session.csrfToken);
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Counts failed authentications per client address in one-minute windows;
 * an address past the limit is refused until its window ends.
 */
export class FailureLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly limit: number,
    readonly now: () => number,
  ) {}

  /** Seconds the address must wait, or 0 when it may try. */
  blockedFor(address: string): number {
    const window = this.#windows.get(address);
    if (window === undefined) return 0;
    const left = window.start + 60_000 - this.now();
    if (left <= 0) {
      this.#windows.delete(address);
      return 0;
    }
    return window.count >= this.limit ? Math.ceil(left / 1000) : 0;
  }

  fail(address: string): void {
    const now = this.now();
    const window = this.#windows.get(address);
    if (window === undefined || now - window.start >= 60_000) this.#windows.set(address, { start: now, count: 1 });
    else window.count += 1;
    if (this.#windows.size > 10_000) {
      for (const [key, value] of this.#windows) if (now - value.start >= 60_000) this.#windows.delete(key);
    }
  }
}
