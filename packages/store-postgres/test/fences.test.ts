import type { RunState } from "@cortex/core";
import { describe, expect, it } from "vitest";
import { StoreFencedError } from "../src/index.js";
import { useStores } from "./support/postgres.js";
import { finished, pausedRun } from "./support/states.js";

const stores = useStores();

/** The same run, moved on to its next step (running, paused nowhere). */
const running = (state: RunState, stepIndex: number): RunState => {
  const { checkpoint: _checkpoint, ...rest } = structuredClone(state);
  return { ...rest, status: "running", pending: [], inStep: false, stepIndex };
};

describe("PostgresRunStore fences", () => {
  it("gives each new driver of a run a greater token, and other runs their own", async () => {
    const store = await stores.migrated();
    expect(await store.takeFence("run_a")).toBe(1);
    expect(await store.takeFence("run_a")).toBe(2);
    expect(await store.takeFence("run_b")).toBe(1);
    expect(await store.takeFence("run_a")).toBe(3);
  });

  it("refuses a save from a driver whose fence was superseded, and keeps the newer driver's state", async () => {
    const store = await stores.migrated();
    const state = running(pausedRun(), 1);
    const stale = await store.takeFence(state.runId);
    await store.save(state, { fence: stale });
    const fresh = await store.takeFence(state.runId);
    const newer = running(state, 2);
    await store.save(newer, { fence: fresh });

    const refused = await store.save(finished(state, "stale"), { fence: stale }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreFencedError);
    expect(refused).toMatchObject({ code: "CORTEX_STORE_FENCED", runId: state.runId, fence: stale });
    expect(await store.load(state.runId)).toEqual(newer);
    // The newer driver goes on writing.
    await store.save(finished(newer), { fence: fresh });
    expect(await store.load(state.runId)).toEqual(finished(newer));
  });

  it("refuses a stale driver's first save too: the newer driver took the run before it was ever stored", async () => {
    const store = await stores.migrated();
    const state = pausedRun();
    const stale = await store.takeFence(state.runId);
    await store.takeFence(state.runId);
    await expect(store.save(state, { fence: stale })).rejects.toMatchObject({ code: "CORTEX_STORE_FENCED" });
    expect(await store.load(state.runId)).toBeUndefined();
    // A token nobody took is refused as well.
    await expect(store.save(pausedRun(), { fence: 1 })).rejects.toMatchObject({ code: "CORTEX_STORE_FENCED" });
  });

  it("refuses a stale driver's claim, leaving the checkpoint to the newer driver", async () => {
    const store = await stores.migrated();
    const state = pausedRun();
    const stale = await store.takeFence(state.runId);
    await store.save(state, { fence: stale });
    const fresh = await store.takeFence(state.runId);
    await expect(store.claim(state.checkpoint!.id, { fence: stale })).rejects.toMatchObject({
      code: "CORTEX_STORE_FENCED",
      runId: state.runId,
    });
    expect((await store.listPending()).items.map((item) => item.checkpointId)).toEqual([state.checkpoint!.id]);
    expect(await store.claim(state.checkpoint!.id, { fence: fresh })).toEqual(state);
    // Taken: a second claim finds nothing, fenced or not.
    expect(await store.claim(state.checkpoint!.id, { fence: fresh })).toBeUndefined();
    expect(await store.claim(state.checkpoint!.id)).toBeUndefined();
  });

  it("lets saves without a fence through as before (an engine with no lease)", async () => {
    const store = await stores.migrated();
    const state = pausedRun();
    await store.takeFence(state.runId);
    await store.save(state);
    expect(await store.load(state.runId)).toEqual(state);
    expect(await store.claim(state.checkpoint!.id)).toEqual(state);
  });

  it("sees every save a newer driver's takeFence let through: a save under way commits before it, or is refused", async () => {
    const store = await stores.migrated({ poolSize: 12 });
    const base = running(pausedRun(), 0);
    const first = await store.takeFence(base.runId);
    await store.save(base, { fence: first });
    // The old driver saves step after step while the new driver takes the run and reads it once.
    let step = 0;
    let stop = false;
    const refusedAt: number[] = [];
    const old = (async () => {
      while (!stop) {
        step += 1;
        try {
          await store.save(running(base, step), { fence: first });
        } catch (error) {
          expect(error).toMatchObject({ code: "CORTEX_STORE_FENCED" });
          refusedAt.push(step);
          return;
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.takeFence(base.runId);
    const seen = await store.load(base.runId);
    stop = true;
    await old;
    expect(refusedAt).toHaveLength(1);
    // The new driver read the last save that went through: the one before the refused step.
    expect(seen?.stepIndex).toBe(refusedAt[0]! - 1);
  });

  it("removes a run's fence with the run", async () => {
    const store = await stores.migrated();
    const state = pausedRun();
    await store.takeFence(state.runId);
    await store.takeFence(state.runId);
    await store.delete(state.runId);
    expect(await store.takeFence(state.runId)).toBe(1);
  });

  it("refuses a fence that is not a token, and a run id that is not a string", async () => {
    const store = await stores.migrated();
    await expect(store.save(pausedRun(), { fence: 0 })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "fence",
    });
    await expect(store.claim("cp_x", { fence: 1.5 })).rejects.toMatchObject({ code: "CORTEX_INVALID_OPTIONS" });
    await expect(store.takeFence(42 as never)).rejects.toMatchObject({ code: "CORTEX_INVALID_OPTIONS" });
  });
});
