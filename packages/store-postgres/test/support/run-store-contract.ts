import type { ParallelBook, RunStore, RunSummary } from "@cortex/core";
import { describe, expect, it } from "vitest";
import { finished, pausedRun } from "./states.js";

/** A store under test; `close` is called after each case when given. */
export interface ContractStore {
  store: RunStore & ParallelBook;
  close?: () => Promise<void>;
}

const summary = (agentId: string, output: string): RunSummary => ({
  agentId,
  runId: `run_${agentId}`,
  status: "completed",
  output,
});

/**
 * The behaviour every run store shares (`MemoryRunStore`, `JsonFileRunStore`,
 * `PostgresRunStore`): what the engine relies on when it pauses, resumes and
 * finishes runs and parallel orchestrations.
 */
export function runStoreContract(name: string, make: () => Promise<ContractStore>): void {
  const withStore = (test: (store: RunStore & ParallelBook) => Promise<void>) => async () => {
    const { store, close } = await make();
    try {
      await test(store);
    } finally {
      await close?.();
    }
  };

  describe(`${name}: the run store contract`, () => {
    it(
      "loads nothing for an unknown run and claims nothing for an unknown checkpoint",
      withStore(async (store) => {
        expect(await store.load("run_unknown")).toBeUndefined();
        expect(await store.claim("cp_unknown")).toBeUndefined();
        await expect(store.delete("run_unknown")).resolves.toBeUndefined();
      }),
    );

    it(
      "loads what was saved, as a copy: later changes on either side do not leak",
      withStore(async (store) => {
        const state = pausedRun();
        const saved = structuredClone(state);
        await store.save(state);
        state.messages.push({ role: "user", content: "changed after save" });
        const loaded = await store.load(state.runId);
        expect(loaded).toEqual(saved);
        loaded!.messages.length = 0;
        expect(await store.load(state.runId)).toEqual(saved);
      }),
    );

    it(
      "keeps the last save of a run",
      withStore(async (store) => {
        const state = pausedRun();
        await store.save(state);
        const done = finished(state, "final answer");
        await store.save(done);
        expect(await store.load(state.runId)).toEqual(done);
      }),
    );

    it(
      "claims a paused run once; the claimed run can still be loaded",
      withStore(async (store) => {
        const state = pausedRun();
        await store.save(state);
        expect(await store.claim(state.checkpoint!.id)).toEqual(state);
        expect(await store.claim(state.checkpoint!.id)).toBeUndefined();
        expect(await store.load(state.runId)).toEqual(state);
      }),
    );

    it(
      "never claims a run that is not awaiting approval",
      withStore(async (store) => {
        const paused = pausedRun();
        await store.save({ ...paused, status: "running" });
        expect(await store.claim(paused.checkpoint!.id)).toBeUndefined();
        const other = pausedRun();
        await store.save(finished(other));
        expect(await store.claim(other.checkpoint!.id)).toBeUndefined();
      }),
    );

    it(
      "makes a claimed run claimable again when it is saved paused again",
      withStore(async (store) => {
        const state = pausedRun();
        await store.save(state);
        await store.claim(state.checkpoint!.id);
        await store.save(state);
        expect(await store.claim(state.checkpoint!.id)).toEqual(state);
      }),
    );

    it(
      "forgets a deleted run: nothing to load, nothing to claim",
      withStore(async (store) => {
        const state = pausedRun();
        await store.save(state);
        await store.delete(state.runId);
        expect(await store.load(state.runId)).toBeUndefined();
        expect(await store.claim(state.checkpoint!.id)).toBeUndefined();
      }),
    );

    it(
      "keeps runs apart: each checkpoint claims its own run",
      withStore(async (store) => {
        const states = Array.from({ length: 10 }, () => pausedRun());
        await Promise.all(states.map((state) => store.save(state)));
        for (const state of [...states].reverse()) {
          expect((await store.claim(state.checkpoint!.id))?.runId).toBe(state.runId);
        }
      }),
    );

    it(
      "gives a checkpoint to exactly one of many concurrent claimers",
      withStore(async (store) => {
        const states = Array.from({ length: 5 }, () => pausedRun());
        await Promise.all(states.map((state) => store.save(state)));
        for (const state of states) {
          const claims = await Promise.all(Array.from({ length: 12 }, () => store.claim(state.checkpoint!.id)));
          expect(claims.filter((claim) => claim !== undefined)).toEqual([state]);
        }
      }),
    );
  });

  describe(`${name}: the parallel orchestration contract`, () => {
    it(
      "records pauses and ends per slot, in slot order, and completes on the last end",
      withStore(async (store) => {
        await store.createParallel("par_1", ["a", "b", "c"], 1_700_000_000_000);
        const paused = pausedRun({ agentId: "b" }).checkpoint!;
        const first = await store.updateParallel("par_1", 1, { paused });
        expect(first).toEqual({
          complete: false,
          record: {
            id: "par_1",
            agents: ["a", "b", "c"],
            startedAt: 1_700_000_000_000,
            done: [],
            paused: [{ slot: 1, checkpoint: paused }],
          },
        });
        expect((await store.updateParallel("par_1", 2, { done: summary("c", "three") }))?.complete).toBe(false);
        expect((await store.updateParallel("par_1", 0, { done: summary("a", "one") }))?.complete).toBe(false);
        const last = await store.updateParallel("par_1", 1, { done: summary("b", "two") });
        expect(last).toEqual({
          complete: true,
          record: {
            id: "par_1",
            agents: ["a", "b", "c"],
            startedAt: 1_700_000_000_000,
            done: [
              { slot: 0, summary: summary("a", "one") },
              { slot: 1, summary: summary("b", "two") },
              { slot: 2, summary: summary("c", "three") },
            ],
            paused: [],
          },
        });
        expect(await store.updateParallel("par_1", 0, { done: summary("a", "again") })).toBeUndefined();
      }),
    );

    it(
      "ignores a pause for a slot that has ended, and an end repeated for one slot does not complete",
      withStore(async (store) => {
        await store.createParallel("par_2", ["a", "b"], 1);
        await store.updateParallel("par_2", 0, { done: summary("a", "one") });
        const late = await store.updateParallel("par_2", 0, { paused: pausedRun().checkpoint! });
        expect(late?.record.paused).toEqual([]);
        const again = await store.updateParallel("par_2", 0, { done: summary("a", "one, again") });
        expect(again?.complete).toBe(false);
        expect(again?.record.done).toEqual([{ slot: 0, summary: summary("a", "one, again") }]);
      }),
    );

    it(
      "knows nothing of an orchestration it does not keep, and refuses a slot it does not have",
      withStore(async (store) => {
        expect(await store.updateParallel("par_none", 0, { done: summary("a", "x") })).toBeUndefined();
        await store.createParallel("par_3", ["a", "b"], 1);
        await expect(store.updateParallel("par_3", 2, { done: summary("a", "x") })).rejects.toMatchObject({ code: "CORTEX_INVALID_OPTIONS" });
        await expect(store.updateParallel("par_3", -1, { done: summary("a", "x") })).rejects.toMatchObject({ code: "CORTEX_INVALID_OPTIONS" });
      }),
    );

    it(
      "completes exactly once when every slot ends at the same moment",
      withStore(async (store) => {
        for (let round = 0; round < 5; round++) {
          const agents = Array.from({ length: 8 }, (_, slot) => `agent${slot}`);
          await store.createParallel(`par_race_${round}`, agents, round);
          const results = await Promise.all(
            agents.map((agent, slot) =>
              store.updateParallel(`par_race_${round}`, slot, { done: summary(agent, `out ${slot}`) }),
            ),
          );
          const completing = results.filter((result) => result?.complete);
          expect(completing).toHaveLength(1);
          expect(completing[0]!.record.done.map((entry) => entry.slot)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        }
      }),
    );
  });
}
