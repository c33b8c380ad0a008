import type { PluginResult } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { MemoryRunStore, type CallBegin, type CallJournal, type JournalCall, type RunState } from "../src/index.js";
import { call, CrashableStore, setup, sleep } from "./support.js";

/** A durable store in memory: it keeps every run's progress, as a database would. */
class DurableMemoryStore extends MemoryRunStore {
  readonly durable = true as const;
  readonly saves: RunState["status"][] = [];
  override save(state: RunState): Promise<void> {
    this.saves.push(state.status);
    return super.save(state);
  }
}

/** A journal in memory, as the PostgreSQL one behaves: the first begin wins, a started call is interrupted. */
class MemoryJournal implements CallJournal {
  readonly rows = new Map<string, { status: "started" | "finished"; result?: PluginResult; idempotent: boolean }>();
  readonly begun: JournalCall[] = [];
  begin(entry: JournalCall): Promise<CallBegin> {
    this.begun.push(entry);
    const key = `${entry.runId}/${entry.stepIndex}/${entry.toolCallId}`;
    const row = this.rows.get(key);
    if (row === undefined || (row.status === "started" && entry.idempotent)) {
      this.rows.set(key, { status: "started", idempotent: entry.idempotent });
      return Promise.resolve("run");
    }
    return Promise.resolve(row.status === "finished" ? { finished: row.result! } : "interrupted");
  }
  finish(entry: JournalCall, result: PluginResult): Promise<void> {
    this.rows.set(`${entry.runId}/${entry.stepIndex}/${entry.toolCallId}`, {
      status: "finished",
      result,
      idempotent: entry.idempotent,
    });
    return Promise.resolve();
  }
}

const steps = [call("notes__add", { text: "a" }, "c1"), { content: "done" }];

describe("call journal and durable progress", () => {
  it("records each call before and after it runs, and keeps the ended run in a durable store", async () => {
    const store = new DurableMemoryStore();
    const journal = new MemoryJournal();
    const { engine, plugin } = setup(steps, { runStore: store, callJournal: journal });
    const result = await engine.run("assistant", "note a", { runId: "run-1" });
    expect(result).toMatchObject({ runId: "run-1", status: "completed", output: "done" });
    expect(plugin.calls).toHaveLength(1);
    expect(journal.begun).toEqual([
      expect.objectContaining({ runId: "run-1", stepIndex: 0, toolCallId: "c1", plugin: "notes", action: "add" }),
    ]);
    expect(journal.rows.get("run-1/0/c1")?.status).toBe("finished");
    // Saved once its step's model call answered (before the tool ran), and once more when it ended.
    expect(store.saves).toEqual(["running", "completed"]);
    expect((await store.load("run-1"))?.status).toBe("completed");
  });

  it("continues a crashed run from its last save: a started call is told as interrupted, not run again", async () => {
    const store = new DurableMemoryStore();
    const journal = new MemoryJournal();
    // The first process dies in the middle of the call: its plugin never answers.
    const first = setup([call("notes__slow", {}, "c1")], { runStore: store, callJournal: journal });
    void first.engine.run("assistant", "go", { runId: "run-2" });
    while (first.plugin.calls.length === 0) await sleep(1);
    expect((await store.load("run-2"))?.status).toBe("running");
    const second = setup([{ content: "recovered" }], { runStore: store, callJournal: journal });
    const result = await second.engine.continueRun("run-2");
    expect(result).toMatchObject({ status: "completed", output: "recovered" });
    expect(second.plugin.calls).toEqual([]);
    const told = (await store.load("run-2"))!.messages.find((m) => m.role === "tool");
    expect(told?.content).toContain("CORTEX_TOOL_INTERRUPTED");
    await first.engine.shutdown({ timeoutMs: 0 });
  });

  it("leaves a call its run's abort cut short begun, so the run continued elsewhere tells it as interrupted", async () => {
    const store = new CrashableStore();
    const journal = new MemoryJournal();
    const controller = new AbortController();
    const first = setup([call("notes__slow", {}, "c1")], { runStore: store, callJournal: journal });
    const running = first.engine.run("assistant", "go", { runId: "run-7", signal: controller.signal });
    while (first.plugin.calls.length === 0) await sleep(1);
    // As a queue worker's job is stopped when another worker took its run over.
    controller.abort("the run's lease was lost");
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(journal.rows.get("run-7/0/c1")?.status).toBe("started");
    // The driver that took the run over goes on from the last save made while it ran.
    await store.crash("run-7");
    const second = setup([{ content: "recovered" }], { runStore: store, callJournal: journal });
    expect(await second.engine.continueRun("run-7")).toMatchObject({ status: "completed", output: "recovered" });
    expect(second.plugin.calls).toEqual([]);
    const told = (await store.load("run-7"))!.messages.find((m) => m.role === "tool");
    expect(told?.content).toContain("CORTEX_TOOL_INTERRUPTED");
  });

  it("uses a finished call's recorded result instead of running it again", async () => {
    const store = new DurableMemoryStore();
    const journal = new MemoryJournal();
    journal.rows.set("run-3/0/c1", {
      status: "finished",
      result: { success: true, data: { count: 7 } },
      idempotent: false,
    });
    const { engine, plugin } = setup(steps, { runStore: store, callJournal: journal });
    const result = await engine.run("assistant", "note a", { runId: "run-3" });
    expect(result.status).toBe("completed");
    expect(plugin.calls).toEqual([]);
    expect((await store.load("run-3"))!.messages.find((m) => m.role === "tool")?.content).toContain('"count":7');
  });

  it("reports a run that is not running instead of continuing it; undefined for an unknown run", async () => {
    const store = new DurableMemoryStore();
    const { engine } = setup(steps, { runStore: store, callJournal: new MemoryJournal() });
    await engine.run("assistant", "note a", { runId: "run-4" });
    expect(await engine.continueRun("run-4")).toMatchObject({ runId: "run-4", status: "completed" });
    expect(await engine.continueRun("nope")).toBeUndefined();
  });

  it("tells the model the real result of a call whose end the journal could not record, then fails the run", async () => {
    const store = new DurableMemoryStore();
    const journal = new MemoryJournal();
    journal.finish = () => Promise.reject(new Error("connection lost"));
    const { engine, plugin, model, recorder } = setup(steps, { runStore: store, callJournal: journal });
    const result = await engine.run("assistant", "note a", { runId: "run-5" });
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_CALL_JOURNAL_FAILED" } });
    expect(result.error?.message).toContain("notes__add");
    expect(plugin.calls).toHaveLength(1);
    // The call ran: the model's conversation, the hooks and the kept run all say so, with its data.
    expect(recorder.hooks({ runId: "run-5" }).slice(-3)).toEqual(["toolCalled", "toolCompleted", "runFailed"]);
    const told = (await store.load("run-5"))!.messages.find((m) => m.role === "tool");
    expect(told?.content).toBe(JSON.stringify({ ok: true, data: { count: 1 } }));
    expect(model.requests).toHaveLength(1);
    // The journal still says the call started: nothing runs it again.
    expect(await engine.continueRun("run-5")).toMatchObject({ status: "failed" });
    expect(plugin.calls).toHaveLength(1);
  });

  it("fails the run with CORTEX_CALL_JOURNAL_FAILED when the journal cannot record a call's start, which then never runs", async () => {
    const journal = new MemoryJournal();
    journal.begin = () => Promise.reject(new Error("connection lost"));
    const { engine, plugin, recorder } = setup(steps, { callJournal: journal });
    const result = await engine.run("assistant", "note a");
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_CALL_JOURNAL_FAILED" } });
    expect(plugin.calls).toEqual([]);
    expect(recorder.ofHook("toolFailed")).toHaveLength(1);
    expect(recorder.ofHook("toolFailed")[0]).toMatchObject({ error: { code: "CORTEX_CALL_JOURNAL_FAILED" } });
  });

  it("refuses a journal without begin and finish, and a run id that is not safe", () => {
    expect(() => setup(steps, { callJournal: {} as CallJournal })).toThrow(/callJournal/);
    const { engine } = setup(steps);
    return expect(engine.run("assistant", "x", { runId: "../etc" })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
    });
  });
});
