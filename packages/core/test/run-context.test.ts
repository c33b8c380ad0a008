import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonFileRunStore, type PausedRunRef, type StartingRunRef } from "../src/index.js";
import { call, CrashableStore, setup } from "./support.js";

/** An extension that keeps a value with each paused run and notes what it got back. */
class Carrier {
  readonly name: string;
  readonly saved: PausedRunRef[] = [];
  readonly restored: { run: PausedRunRef; context: unknown }[] = [];
  constructor(
    name: string,
    private readonly context: (run: PausedRunRef) => unknown,
  ) {
    this.name = name;
  }
  saveRunContext(run: PausedRunRef): unknown {
    this.saved.push(run);
    return this.context(run);
  }
  restoreRunContext(run: PausedRunRef, context: unknown): void {
    this.restored.push({ run, context });
  }
}

const steps = () => [call("notes__publish", { text: "hi" }), { content: "done" }];

describe("run contexts of extensions", () => {
  it("keeps what an extension saves with the paused run and gives it back on resume in another engine", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-run-context-"));
    const first = new Carrier("tracer", (run) => ({ trace: `t-${run.runId}` }));
    const a = setup(steps(), { runStore: new JsonFileRunStore(dir), extensions: [first] });
    const paused = await a.engine.run("assistant", "x");
    const ref = { runId: paused.runId, agentId: "assistant", checkpointId: paused.checkpoint!.id };
    expect(first.saved).toEqual([ref]);
    expect(first.restored).toEqual([]);

    const second = new Carrier("tracer", () => undefined);
    const b = setup(steps().slice(1), { runStore: new JsonFileRunStore(dir), extensions: [second] });
    const done = await b.engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done.status).toBe("completed");
    expect(second.restored).toEqual([{ run: ref, context: { trace: `t-${paused.runId}` } }]);
    // Restored before the run goes on: checkpointResolved comes after.
    expect(b.recorder.hooks()[0]).toBe("checkpointResolved");
  });

  it("never lets a throwing or non-JSON context stop a run, and keeps the others' contexts", async () => {
    const throwing = new Carrier("throws", () => {
      throw new Error("no context");
    });
    const cyclic = new Carrier("cyclic", () => {
      const value: Record<string, unknown> = {};
      value.self = value;
      return value;
    });
    const fine = new Carrier("fine", () => ({ ok: 1 }));
    const { engine } = setup(steps(), { extensions: [throwing, cyclic, fine] });
    const paused = await engine.run("assistant", "x");
    expect(paused.status).toBe("awaiting_approval");
    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done.status).toBe("completed");
    expect(throwing.restored).toEqual([]);
    expect(cyclic.restored).toEqual([]);
    expect(fine.restored.map((r) => r.context)).toEqual([{ ok: 1 }]);
  });

  it("tells an extension of each new run, with its session, before runStarted", async () => {
    const told: unknown[] = [];
    const watcher = {
      name: "watcher",
      runStarting: (run: unknown): void => void told.push(run),
      onRunStarted: (): void => void told.push("runStarted"),
    };
    const throwing = {
      name: "throwing",
      runStarting: () => {
        throw new Error("no");
      },
    };
    const { engine } = setup([{ content: "hi" }, { content: "again" }], { extensions: [throwing, watcher] });
    const first = await engine.run("assistant", "x", { sessionId: "s1" });
    const second = await engine.run("assistant", "y");
    expect(first.status).toBe("completed");
    expect(told).toEqual([
      { runId: first.runId, agentId: "assistant", sessionId: "s1" },
      "runStarted",
      { runId: second.runId, agentId: "assistant" },
      "runStarted",
    ]);
  });

  it("tells an extension of every run this process drives, however it comes in, before its first event", async () => {
    const store = new CrashableStore();
    const told: unknown[] = [];
    const watcher = {
      name: "watcher",
      runStarting: (run: StartingRunRef): void => void told.push({ ...run }),
      saveRunContext: () => ({ kept: true }),
      restoreRunContext: (_run: PausedRunRef, saved: unknown): void => void told.push({ restored: saved }),
      onRunStarted: (): void => void told.push("runStarted"),
      onCheckpointResolved: (): void => void told.push("checkpointResolved"),
      onStepStarted: (): void => void told.push("stepStarted"),
    };
    const { engine } = setup(
      [
        call("notes__publish", { text: "a" }),
        { content: "one" },
        call("notes__publish", { text: "b" }),
        { content: "two" },
        call("notes__add", { text: "c" }),
        { content: "three" },
        { content: "three again" },
      ],
      { runStore: store, extensions: [watcher] },
    );
    const paused = await engine.run("assistant", "a", { sessionId: "s" });
    await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    const streamed = engine.stream("assistant", "b");
    for await (const _ of streamed);
    const second = await streamed.result;
    for await (const _ of engine.resolveCheckpointStream(second.checkpoint!.id, { approved: true }));
    await engine.run("assistant", "c", { runId: "run-c" });
    await store.crash("run-c");
    expect(await engine.continueRun("run-c")).toMatchObject({ status: "completed", output: "three again" });

    const start = (runId: string, extra: object = {}) => ({ runId, agentId: "assistant", ...extra });
    expect(told).toEqual([
      start(paused.runId, { sessionId: "s" }),
      "runStarted",
      "stepStarted",
      start(paused.runId, { sessionId: "s", entry: "resume" }),
      { restored: { kept: true } },
      "checkpointResolved",
      "stepStarted",
      start(second.runId),
      "runStarted",
      "stepStarted",
      start(second.runId, { entry: "resume" }),
      { restored: { kept: true } },
      "checkpointResolved",
      "stepStarted",
      start("run-c"),
      "runStarted",
      "stepStarted",
      "stepStarted",
      start("run-c", { entry: "continue" }),
      "stepStarted",
    ]);
  });

  it("keeps no extension context in a run that nobody saved one for", async () => {
    const { engine } = setup(steps());
    const paused = await engine.run("assistant", "x");
    const stored = (await engine.getRun(paused.runId)) as unknown as Record<string, unknown>;
    expect(stored).not.toHaveProperty("extensionContext");
  });
});
