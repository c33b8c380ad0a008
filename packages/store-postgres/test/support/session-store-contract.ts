import { SessionBusyError, SessionConflictError, type SessionStore } from "@cortex/core";
import { describe, expect, it } from "vitest";

const user = (content: string) => ({ role: "user" as const, content });

/**
 * The behaviour every session store shares (`MemorySessionStore`,
 * `JsonFileSessionStore`, `PostgresSessionStore`): what the engine relies on
 * to keep a conversation held by one run at a time. `make` gives a fresh,
 * empty store for each case.
 */
export function sessionStoreContract(name: string, make: () => Promise<SessionStore>): void {
  describe(`${name}: the session store contract`, () => {
    it("creates a session on first acquire, empty at version 0, held by the run", async () => {
      const store = await make();
      const until = Date.now() + 60_000;
      const session = await store.acquire("chat-1", "run_a", until);
      expect(session).toMatchObject({
        id: "chat-1",
        messages: [],
        version: 0,
        lease: { runId: "run_a", expiresAt: until },
      });
      expect(Date.parse(session.createdAt)).not.toBeNaN();
      expect(await store.load("chat-1")).toEqual(session);
      expect(await store.load("chat-2")).toBeUndefined();
    });

    it("refuses a second run while the lease holds, and lets it in once the lease expired or was released", async () => {
      const store = await make();
      await store.acquire("s", "run_a", Date.now() + 60_000);
      const refused = await store.acquire("s", "run_b", Date.now() + 60_000).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SessionBusyError);
      expect(refused).toMatchObject({ code: "CORTEX_SESSION_BUSY", sessionId: "s", heldBy: "run_a" });
      // The holder renews its own lease.
      await expect(store.acquire("s", "run_a", Date.now() + 120_000)).resolves.toMatchObject({
        lease: { runId: "run_a" },
      });
      await store.release("s", "run_b"); // not the holder: nothing happens
      await expect(store.acquire("s", "run_b")).rejects.toBeInstanceOf(SessionBusyError);
      await store.release("s", "run_a");
      await expect(store.acquire("s", "run_b", Date.now() - 1)).resolves.toMatchObject({ lease: { runId: "run_b" } });
      // run_b's lease has expired already: run_c takes the session.
      await expect(store.acquire("s", "run_c")).resolves.toMatchObject({ lease: { runId: "run_c" } });
      // A lease with no end holds until released.
      await expect(store.acquire("s", "run_d", Date.now() + 1)).rejects.toMatchObject({ heldBy: "run_c" });
    });

    it("appends only for the holder at the version it last saw, and keeps every message in order", async () => {
      const store = await make();
      await store.acquire("s", "run_a", Date.now() + 60_000);
      const v1 = await store.append("s", { runId: "run_a", expectedVersion: 0, messages: [user("hi")] });
      expect(v1).toBe(1);
      const stale = await store
        .append("s", { runId: "run_a", expectedVersion: 0, messages: [user("again")] })
        .catch((e: unknown) => e);
      expect(stale).toBeInstanceOf(SessionConflictError);
      expect((stale as Error).message).toMatch(/version 1, not 0/);
      await expect(store.append("s", { runId: "run_x", expectedVersion: 1, messages: [] })).rejects.toMatchObject({
        code: "CORTEX_SESSION_CONFLICT",
      });
      const assistant = { role: "assistant" as const, content: "hello" };
      expect(
        await store.append("s", { runId: "run_a", expectedVersion: 1, messages: [assistant], leaseUntil: null }),
      ).toBe(2);
      const session = await store.load("s");
      expect(session).toMatchObject({ version: 2, messages: [user("hi"), assistant] });
      expect(session!.lease).toBeUndefined();
      // Released: the former holder may not append any more.
      await expect(store.append("s", { runId: "run_a", expectedVersion: 2, messages: [] })).rejects.toBeInstanceOf(
        SessionConflictError,
      );
    });

    it("sets the lease an append asks for: renewed, held with no end, or released", async () => {
      const store = await make();
      await store.acquire("s", "r", Date.now() + 1_000);
      const until = Date.now() + 99_000;
      await store.append("s", { runId: "r", expectedVersion: 0, messages: [], leaseUntil: until });
      expect((await store.load("s"))!.lease).toEqual({ runId: "r", expiresAt: until });
      await store.append("s", { runId: "r", expectedVersion: 1, messages: [] });
      expect((await store.load("s"))!.lease).toEqual({ runId: "r" });
    });

    it("deletes a session held or not; its holder then gets a conflict", async () => {
      const store = await make();
      await store.acquire("s", "r", Date.now() + 60_000);
      await store.delete("s");
      await store.delete("never-was");
      expect(await store.load("s")).toBeUndefined();
      await expect(store.append("s", { runId: "r", expectedVersion: 0, messages: [] })).rejects.toThrow(/deleted/);
    });

    it("lists sessions oldest first, a page at a time, with cursors that hold while sessions come and go", async () => {
      const store = await make();
      for (let i = 0; i < 5; i++) {
        await store.acquire(`s${i}`, `run_${i}`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const first = await store.list({ limit: 2 });
      expect(first.items.map((s) => s.id)).toEqual(["s0", "s1"]);
      expect(first.items[0]).toMatchObject({ messageCount: 0, version: 0, lease: { runId: "run_0" } });
      await store.delete("s1");
      const second = await store.list({ limit: 2, after: first.nextCursor! });
      expect(second.items.map((s) => s.id)).toEqual(["s2", "s3"]);
      const third = await store.list({ limit: 2, after: second.nextCursor! });
      expect(third.items.map((s) => s.id)).toEqual(["s4"]);
      expect(third.nextCursor).toBeUndefined();
      await expect(store.list({ limit: 0 })).rejects.toMatchObject({ code: "CORTEX_INVALID_OPTIONS", option: "limit" });
      await expect(store.list({ after: "not a cursor" })).rejects.toMatchObject({ option: "after" });
    });

    it("gives out copies: changing what load returned changes nothing stored", async () => {
      const store = await make();
      const session = await store.acquire("s", "r");
      session.messages.push(user("sneaked in"));
      expect((await store.load("s"))!.messages).toEqual([]);
    });
  });
}
