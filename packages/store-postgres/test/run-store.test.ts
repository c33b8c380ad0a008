import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonFileRunStore, MemoryRunStore } from "@cortex/core";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { runStoreContract } from "./support/run-store-contract.js";
import { postgresUrl, useStores } from "./support/postgres.js";
import { finished, pausedRun } from "./support/states.js";

const stores = useStores();

runStoreContract("MemoryRunStore", async () => ({ store: new MemoryRunStore() }));

runStoreContract("JsonFileRunStore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cortex-store-contract-"));
  return { store: new JsonFileRunStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

runStoreContract("PostgresRunStore", async () => ({ store: await stores.migrated() }));

describe("PostgresRunStore", () => {
  it("is created from a connection string alone, or from a pg pool that stays open after close()", async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl(), max: 2 });
    try {
      const fromPool = await stores.migrated({ pool });
      const state = pausedRun();
      await fromPool.save(state);
      await fromPool.close();
      expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      const fromUrl = stores.store({ schema: fromPool.schema, connectionString: postgresUrl() });
      expect(await fromUrl.load(state.runId)).toEqual(state);
    } finally {
      await pool.end();
    }
  });

  it("keeps a run that moved on from its checkpoint out of reach of that checkpoint", async () => {
    const store = await stores.migrated();
    const state = pausedRun();
    await store.save(state);
    // The engine saves progress after steps: a running run is paused nowhere.
    await store.save({ ...state, status: "running" });
    expect(await store.claim(state.checkpoint!.id)).toBeUndefined();
    await store.save(finished(state));
    expect(await store.claim(state.checkpoint!.id)).toBeUndefined();
  });

  it("stores the state as JSONB, with the paused checkpoint's fields in columns", async () => {
    const store = await stores.migrated({ pausedTtlMs: 60_000 });
    const state = pausedRun({ plugin: "mail", action: "send", tier: "ADMIN", createdAt: "2030-01-02T03:04:05.678Z" });
    await store.save(state);
    const { rows } = await stores
      .admin()
      .query(
        `SELECT status, checkpoint_id, plugin, action, tier, paused_at, expires_at, claim_token, pg_typeof(state)::text AS type, state->'checkpoint'->'args' AS args FROM "${store.schema}".runs`,
      );
    expect(rows).toEqual([
      {
        status: "awaiting_approval",
        checkpoint_id: state.checkpoint!.id,
        plugin: "mail",
        action: "send",
        tier: "ADMIN",
        paused_at: new Date("2030-01-02T03:04:05.678Z"),
        expires_at: new Date("2030-01-02T03:05:05.678Z"),
        claim_token: null,
        type: "jsonb",
        args: state.checkpoint!.args,
      },
    ]);
  });

  it("refuses to work on a schema that was never migrated, with a coded error", async () => {
    const store = stores.store();
    await expect(store.load("run_x")).rejects.toMatchObject({
      code: "CORTEX_STORE_NOT_MIGRATED",
      found: 0,
      required: 3,
    });
    await store.migrate();
    expect(await store.load("run_x")).toBeUndefined();
  });

  it("refuses a state that is not a run state, and any call after close()", async () => {
    const store = await stores.migrated();
    await expect(store.save({ runId: 42 } as never)).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "state",
    });
    await store.close();
    await expect(store.load("run_x")).rejects.toMatchObject({ code: "CORTEX_STORE_CLOSED" });
    await expect(store.close()).resolves.toBeUndefined();
  });

  it("reports a statement the server refuses as CORTEX_STORE_QUERY_FAILED with its SQLSTATE", async () => {
    const store = await stores.migrated();
    // JSONB cannot hold the NUL character.
    const state = pausedRun({ args: { text: "nul \u0000 here" } });
    await expect(store.save(state)).rejects.toMatchObject({
      code: "CORTEX_STORE_QUERY_FAILED",
      sqlState: "22P05",
      attempts: 1,
    });
  });
});

describe("PostgresRunStore.expirePaused", () => {
  const BASE = Date.parse("2032-01-01T00:00:00.000Z");
  const at = (ms: number): string => new Date(BASE + ms).toISOString();

  it("takes the paused runs whose time is up, so nobody can claim them any more", async () => {
    const store = await stores.migrated({ pausedTtlMs: 1_000 });
    const early = pausedRun({ createdAt: at(0) });
    const edge = pausedRun({ createdAt: at(600) });
    const late = pausedRun({ createdAt: at(2_000) });
    const own = pausedRun({ createdAt: at(0) });
    // A checkpoint's own expiry wins over the store's pausedTtlMs.
    (own.checkpoint as unknown as { expiresAt: string }).expiresAt = at(5_000);
    for (const state of [early, edge, late, own]) await store.save(state);

    const expired = await store.expirePaused(new Date(BASE + 1_600));
    expect(expired.map((state) => state.runId).sort()).toEqual([early.runId, edge.runId].sort());
    expect(expired.find((state) => state.runId === early.runId)).toEqual(early);
    expect(await store.claim(early.checkpoint!.id)).toBeUndefined();
    expect((await store.listPending()).items.map((item) => item.runId).sort()).toEqual([late.runId, own.runId].sort());
    expect(await store.expirePaused(BASE + 1_600)).toEqual([]);
    expect((await store.expirePaused(BASE + 5_000)).map((state) => state.runId).sort()).toEqual(
      [late.runId, own.runId].sort(),
    );
  });

  it("never expires runs without an expiry, and takes at most limit runs per call", async () => {
    const never = await stores.migrated();
    await never.save(pausedRun({ createdAt: at(0) }));
    expect(await never.expirePaused(BASE + 10 ** 12)).toEqual([]);

    const store = await stores.migrated({ pausedTtlMs: 1 });
    await Promise.all(Array.from({ length: 7 }, (_, i) => store.save(pausedRun({ createdAt: at(i) }))));
    expect(await store.expirePaused(BASE + 1_000, { limit: 3 })).toHaveLength(3);
    expect(await store.expirePaused(BASE + 1_000, { limit: 3 })).toHaveLength(3);
    expect(await store.expirePaused(BASE + 1_000, { limit: 3 })).toHaveLength(1);
    await expect(store.expirePaused(Number.NaN)).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "now",
    });
  });

  it("races claims and other expirers: every paused run is taken exactly once", async () => {
    const schema = (await stores.migrated({ pausedTtlMs: 1 })).schema;
    const store = stores.store({ schema, pausedTtlMs: 1, poolSize: 12 });
    const states = Array.from({ length: 40 }, (_, i) => pausedRun({ createdAt: at(i) }));
    await Promise.all(states.map((state) => store.save(state)));
    const [claims, ...expiries] = await Promise.all([
      Promise.all(states.map((state) => store.claim(state.checkpoint!.id))),
      ...Array.from({ length: 4 }, () => store.expirePaused(BASE + 1_000, { limit: 1_000 })),
    ]);
    const taken = [...claims.filter((state) => state !== undefined), ...expiries.flat()].map((state) => state.runId);
    expect(taken.sort()).toEqual(states.map((state) => state.runId).sort());
  });
});
