import type { JournalCall } from "@cortex/core";
import { describe, expect, it } from "vitest";
import { useStores } from "./support/postgres.js";

const stores = useStores();

const callOf = (over: Partial<JournalCall> = {}): JournalCall => ({
  runId: "run-1",
  stepIndex: 0,
  toolCallId: "c1",
  toolName: "notes__publish",
  plugin: "notes",
  action: "publish",
  tier: "CONFIRM",
  args: { text: "hi" },
  approvalId: "ap-1",
  idempotent: false,
  ...over,
});

describe("PostgresCallJournal", () => {
  it("runs a call once: begun and finished, a later begin gets the recorded result", async () => {
    const { callJournal } = await stores.migrated();
    expect(await callJournal.begin(callOf())).toBe("run");
    await callJournal.finish(callOf(), { success: true, data: { id: 7 } });
    expect(await callJournal.begin(callOf())).toEqual({ finished: { success: true, data: { id: 7 } } });
  });

  it("reports a call begun but never finished as interrupted, and keeps reporting it so", async () => {
    const store = await stores.migrated();
    const { callJournal } = store;
    expect(await callJournal.begin(callOf())).toBe("run");
    expect(await callJournal.begin(callOf())).toBe("interrupted");
    expect(await callJournal.begin(callOf())).toBe("interrupted");
    const { rows } = await stores
      .admin()
      .query(`SELECT status, attempts, approval_id FROM "${store.schema}".tool_calls WHERE run_id = 'run-1'`);
    expect(rows).toEqual([{ status: "interrupted", attempts: 3, approval_id: "ap-1" }]);
  });

  it("runs an idempotent call again after an interrupted begin", async () => {
    const { callJournal } = await stores.migrated();
    const call = callOf({ idempotent: true, tier: "AUTO", toolCallId: "c2" });
    expect(await callJournal.begin(call)).toBe("run");
    expect(await callJournal.begin(call)).toBe("run");
    await callJournal.finish(call, { success: true });
    expect(await callJournal.begin(call)).toEqual({ finished: { success: true } });
  });

  it("lets exactly one of many concurrent begins of one call run it", async () => {
    const { callJournal } = await stores.migrated();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => callJournal.begin(callOf({ toolCallId: "c3" }))),
    );
    expect(answers.filter((answer) => answer === "run")).toHaveLength(1);
    expect(answers.filter((answer) => answer === "interrupted")).toHaveLength(19);
  });

  it("keeps calls of other steps and runs apart", async () => {
    const { callJournal } = await stores.migrated();
    expect(await callJournal.begin(callOf())).toBe("run");
    expect(await callJournal.begin(callOf({ stepIndex: 1 }))).toBe("run");
    expect(await callJournal.begin(callOf({ runId: "run-2" }))).toBe("run");
  });
});
