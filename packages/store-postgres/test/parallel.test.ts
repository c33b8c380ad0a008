import type { RunSummary } from "@cortex/core";
import { describe, expect, it } from "vitest";
import { freshSchema, useStores } from "./support/postgres.js";
import { pausedRun } from "./support/states.js";

const stores = useStores();
const summary = (slot: number): RunSummary => ({
  agentId: `agent${slot}`,
  runId: `run${slot}`,
  status: "completed",
  output: `out ${slot}`,
});

describe("parallel orchestrations in PostgreSQL", () => {
  it("completes each orchestration exactly once when engines on separate pools update it at once", async () => {
    const schema = freshSchema();
    const engines = [
      await stores.migrated({ schema, poolSize: 4 }),
      ...Array.from({ length: 3 }, () => stores.store({ schema, poolSize: 4 })),
    ];
    const ids = Array.from({ length: 20 }, (_, i) => `par_${i}`);
    const slots = 6;
    await Promise.all(
      ids.map((id) =>
        engines[0]!.createParallel(
          id,
          Array.from({ length: slots }, (_, s) => `agent${s}`),
          1,
        ),
      ),
    );
    // Every slot pauses once, then ends; the updates of one orchestration come from all four engines, interleaved.
    const updates = ids.flatMap((id) =>
      Array.from({ length: slots }, (_, slot) => async () => {
        const engine = engines[(slot + id.length) % engines.length]!;
        await engine.updateParallel(id, slot, { paused: pausedRun().checkpoint! });
        return { id, result: await engine.updateParallel(id, slot, { done: summary(slot) }) };
      }),
    );
    const results = await Promise.all(updates.map((update) => update()));
    for (const id of ids) {
      const completions = results.filter((entry) => entry.id === id && entry.result?.complete);
      expect(completions, id).toHaveLength(1);
      expect(completions[0]!.result!.record).toMatchObject({
        id,
        paused: [],
        done: Array.from({ length: slots }, (_, slot) => ({ slot, summary: summary(slot) })),
      });
    }
    const { rows } = await stores
      .admin()
      .query(`SELECT count(*)::int AS left FROM "${schema}".parallel_orchestrations`);
    expect(rows).toEqual([{ left: 0 }]);
  });

  it("starts an orchestration afresh when its id is created again", async () => {
    const store = await stores.migrated();
    await store.createParallel("par_again", ["a", "b"], 1);
    await store.updateParallel("par_again", 0, { done: summary(0) });
    await store.createParallel("par_again", ["a", "b"], 2);
    expect(await store.updateParallel("par_again", 1, { done: summary(1) })).toMatchObject({
      complete: false,
      record: { startedAt: 2, done: [{ slot: 1 }] },
    });
  });

  it("keeps an orchestration's start time and agents exactly", async () => {
    const store = await stores.migrated();
    const startedAt = Date.parse("2040-02-29T12:00:00.123Z");
    await store.createParallel("par_time", ["x", "y"], startedAt);
    const update = await store.updateParallel("par_time", 1, { paused: pausedRun().checkpoint! });
    expect(update?.record).toMatchObject({ agents: ["x", "y"], startedAt });
  });
});
