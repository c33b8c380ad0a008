import { describe, expect, it } from "vitest";
import { csrfMatches, FailureLimiter, SessionStore } from "../src/auth/sessions.js";

describe("SessionStore", () => {
  it("keeps a session while it is used, ends it after idling or at its maximum age, and on sign-out", () => {
    let now = 0;
    const sessions = new SessionStore({ idleMs: 100, maxMs: 250, max: 10, now: () => now });
    const { id, session } = sessions.create({ id: "alice", roles: [] });
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).not.toBe(id);
    now = 90;
    expect(sessions.get(id)).toBe(session);
    now = 180;
    expect(sessions.get(id)).toBe(session);
    now = 260;
    expect(sessions.get(id)).toBeUndefined();
    expect(sessions.isLive(session)).toBe(false);
    const next = sessions.create({ id: "bob", roles: [] });
    sessions.delete(next.id);
    expect(sessions.get(next.id)).toBeUndefined();
    expect(next.session.ended).toBe(true);
  });

  it("keeps at most `max` sessions, dropping the oldest", () => {
    const sessions = new SessionStore({ idleMs: 1e9, maxMs: 1e9, max: 2, now: () => 0 });
    const [a, b, c] = [1, 2, 3].map(() => sessions.create({ id: "x", roles: [] }));
    expect(sessions.get(a!.id)).toBeUndefined();
    expect(sessions.get(b!.id)).toBeDefined();
    expect(sessions.get(c!.id)).toBeDefined();
  });

  it("compares CSRF tokens exactly", () => {
    const sessions = new SessionStore({ idleMs: 1e9, maxMs: 1e9, max: 2, now: () => 0 });
    const { session } = sessions.create({ id: "x", roles: [] });
    expect(csrfMatches(session, session.csrfToken)).toBe(true);
    expect(csrfMatches(session, `${session.csrfToken}x`)).toBe(false);
    expect(csrfMatches(session, undefined)).toBe(false);
    expect(csrfMatches(session, [session.csrfToken])).toBe(false);
  });
});

describe("FailureLimiter", () => {
  it("blocks an address past its limit until its minute ends", () => {
    let now = 0;
    const limiter = new FailureLimiter(2, () => now);
    limiter.fail("a");
    expect(limiter.blockedFor("a")).toBe(0);
    limiter.fail("a");
    expect(limiter.blockedFor("a")).toBe(60);
    expect(limiter.blockedFor("b")).toBe(0);
    now = 59_500;
    expect(limiter.blockedFor("a")).toBe(1);
    now = 60_000;
    expect(limiter.blockedFor("a")).toBe(0);
  });
});
