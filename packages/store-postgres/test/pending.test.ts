import { describe, expect, it } from "vitest";
import type { PendingCheckpoint, PostgresRunStore } from "../src/index.js";
import { useStores } from "./support/postgres.js";
import { finished, pausedRun, type PausedRunSpec } from "./support/states.js";

const stores = useStores();
const BASE = Date.parse("2031-05-01T00:00:00.000Z");
const at = (seconds: number): string => new Date(BASE + seconds * 1000).toISOString();

async function pause(store: PostgresRunStore, spec: PausedRunSpec) {
  const state = pausedRun(spec);
  await store.save(state);
  return state;
}

async function everyPage(store: PostgresRunStore, limit: number, filters = {}): Promise<PendingCheckpoint[][]> {
  const pages: PendingCheckpoint[][] = [];
  let after: string | undefined;
  do {
    const page = await store.listPending({ ...filters, limit, ...(after ? { after } : {}) });
    pages.push(page.items);
    after = page.nextCursor;
  } while (after !== undefined);
  return pages;
}

describe("listPending", () => {
  it("lists each paused checkpoint with its run, agent, call, tier and times", async () => {
    const store = await stores.migrated({ pausedTtlMs: 3_600_000 });
    const state = await pause(store, {
      agentId: "mailer",
      plugin: "mail",
      action: "send",
      tier: "ADMIN",
      createdAt: at(0),
    });
    const cp = state.checkpoint!;
    expect(await store.listPending()).toEqual({
      items: [
        {
          checkpointId: cp.id,
          runId: state.runId,
          agentId: "mailer",
          plugin: "mail",
          action: "send",
          tier: "ADMIN",
          params: cp.args,
          approvalId: cp.approvalId,
          createdAt: at(0),
          expiresAt: at(3600),
        },
      ],
    });
    const noTtl = await stores.migrated();
    await noTtl.save(state);
    const [item] = (await noTtl.listPending()).items;
    expect(item).not.toHaveProperty("expiresAt");
  });

  it("lists a checkpoint's preview when the run paused with one", async () => {
    const store = await stores.migrated();
    const state = pausedRun({ createdAt: at(0) });
    const preview = { summary: "send 1 mail", diff: "+to: ana", details: { count: 1 } };
    state.checkpoint!.preview = preview;
    await store.save(state);
    expect((await store.listPending()).items).toEqual([expect.objectContaining({ preview })]);
    expect((await store.load(state.runId))?.checkpoint?.preview).toEqual(preview);
  });

  it("lists only checkpoints still waiting: not claimed, not moved on from, not deleted", async () => {
    const store = await stores.migrated();
    const waiting = await pause(store, { createdAt: at(1) });
    const claimed = await pause(store, { createdAt: at(2) });
    const done = await pause(store, { createdAt: at(3) });
    const deleted = await pause(store, { createdAt: at(4) });
    await store.claim(claimed.checkpoint!.id);
    await store.save(finished(done));
    await store.delete(deleted.runId);
    expect((await store.listPending()).items.map((item) => item.runId)).toEqual([waiting.runId]);
  });

  it("filters by agent, plugin and tier, alone and together, oldest first", async () => {
    const store = await stores.migrated();
    const specs: PausedRunSpec[] = [];
    for (let i = 0; i < 24; i++) {
      specs.push({
        agentId: ["a1", "a2", "a3"][i % 3]!,
        plugin: ["mail", "files"][i % 2]!,
        tier: ["CONFIRM", "ADMIN"][Math.floor(i / 6) % 2]!,
        createdAt: at(100 - i),
      });
    }
    const states = await Promise.all(specs.map((spec) => pause(store, spec)));
    const expected = (keep: (spec: PausedRunSpec) => boolean) =>
      states
        .filter((_, i) => keep(specs[i]!))
        .sort((a, b) => a.checkpoint!.createdAt.localeCompare(b.checkpoint!.createdAt))
        .map((state) => state.checkpoint!.id);
    const ids = async (filters: object) =>
      (await store.listPending({ ...filters, limit: 100 })).items.map((i) => i.checkpointId);

    expect(await ids({})).toEqual(expected(() => true));
    expect(await ids({ agentId: "a2" })).toEqual(expected((s) => s.agentId === "a2"));
    expect(await ids({ plugin: "files" })).toEqual(expected((s) => s.plugin === "files"));
    expect(await ids({ tier: "ADMIN" })).toEqual(expected((s) => s.tier === "ADMIN"));
    expect(await ids({ agentId: "a1", plugin: "mail", tier: "CONFIRM" })).toEqual(
      expected((s) => s.agentId === "a1" && s.plugin === "mail" && s.tier === "CONFIRM"),
    );
    expect(await ids({ agentId: "nobody" })).toEqual([]);
  });

  it("pages through every checkpoint once, ties on the pause time broken by checkpoint id", async () => {
    const store = await stores.migrated();
    // Many checkpoints paused in the same millisecond, so a page boundary falls inside a tie.
    const states = await Promise.all(Array.from({ length: 53 }, (_, i) => pause(store, { createdAt: at(i % 4) })));
    const pages = await everyPage(store, 10);
    expect(pages.map((page) => page.length)).toEqual([10, 10, 10, 10, 10, 3]);
    const listed = pages.flat().map((item) => item.checkpointId);
    const expected = [...states]
      .sort(
        (a, b) =>
          a.checkpoint!.createdAt.localeCompare(b.checkpoint!.createdAt) ||
          (a.checkpoint!.id < b.checkpoint!.id ? -1 : 1),
      )
      .map((state) => state.checkpoint!.id);
    expect(listed).toEqual(expected);
    const exact = await store.listPending({ limit: 53 });
    expect(exact.items).toHaveLength(53);
    expect(exact).not.toHaveProperty("nextCursor");
  });

  it("keeps its place while checkpoints are added and taken: no duplicates, no gaps", async () => {
    const store = await stores.migrated();
    const before = await Promise.all(Array.from({ length: 150 }, (_, i) => pause(store, { createdAt: at(i * 2) })));
    const victims = before.filter((_, i) => i % 10 === 5);
    const claimedLater = new Set(victims.map((state) => state.checkpoint!.id));
    let written = 0;
    // Between pages (and during each one), new checkpoints land before, between and after the cursor,
    // and some of the listed ones are taken.
    const write = async (): Promise<void> => {
      const victim = victims.pop();
      await Promise.all([
        ...Array.from({ length: 5 }, () => pause(store, { createdAt: at((written++ * 37) % 300) })),
        victim ? store.claim(victim.checkpoint!.id) : undefined,
      ]);
    };
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const [page] = await Promise.all([store.listPending({ limit: 7, ...(after ? { after } : {}) }), write()]);
      seen.push(...page.items.map((item) => item.checkpointId));
      after = page.nextCursor;
    } while (after !== undefined);
    expect(written).toBeGreaterThan(100);
    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    const missing = before.filter(
      (state) => !seenSet.has(state.checkpoint!.id) && !claimedLater.has(state.checkpoint!.id),
    );
    expect(missing).toEqual([]);
  });

  it("refuses a cursor it did not make and a limit outside 1 to 1000", async () => {
    const store = await stores.migrated();
    await expect(store.listPending({ after: "not-a-cursor" })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "after",
    });
    for (const limit of [0, 1001, 2.5]) {
      await expect(store.listPending({ limit })).rejects.toMatchObject({
        code: "CORTEX_INVALID_OPTIONS",
        option: "limit",
      });
    }
    await expect(store.listPending({ agentId: 7 as never })).rejects.toMatchObject({ option: "agentId" });
  });
});
