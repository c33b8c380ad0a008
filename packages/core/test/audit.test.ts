import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HookBus } from "@cortex/hooks";
import { silentLogger } from "@cortex/primitives";
import { AuditExtension, JsonLinesAuditRecorder, MemoryAuditRecorder, type AuditEvent } from "../src/index.js";
import { API_KEY, call, setup } from "./support.js";

async function auditFile() {
  const dir = await mkdtemp(join(tmpdir(), "cortex-audit-"));
  return join(dir, "audit.jsonl");
}

/** The actions of a run whose model answers at once, in order. */
const ONE_ANSWER = ["run.start", "step.start", "model.call", "model.complete", "step.complete", "run.complete"];

describe("AuditExtension", () => {
  it("writes one record per hook to an append-only JSON-lines file and loses nothing on shutdown", async () => {
    const path = await auditFile();
    const { engine, recorder } = setup(
      [call("notes__add", { text: "a" }), call("notes__publish", { text: "b" }), { content: "done" }],
      { extensions: [new AuditExtension({ recorder: new JsonLinesAuditRecorder(path) })] },
    );
    const paused = await engine.run("assistant", "x");
    await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: false, decidedBy: "ana", reason: "no" });
    await engine.shutdown();
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    const events = lines.map((line) => JSON.parse(line) as AuditEvent);
    expect(events.map((e) => e.hook)).toEqual(recorder.hooks());
    expect(events.at(-1)).toMatchObject({ hook: "shutdown", action: "engine.shutdown" });
    expect(events.find((e) => e.hook === "checkpointResolved")).toMatchObject({
      action: "checkpoint.resolve",
      resource: "checkpoint",
      outcome: "denied",
      severity: "warning",
      reason: "no",
      metadata: { decidedBy: "ana" },
    });
    expect(events.find((e) => e.hook === "toolCalled")).toMatchObject({
      action: "tool.call",
      resource: "tool",
      resourceId: "notes__add",
      metadata: { argumentNames: ["text"], toolCallId: expect.stringMatching(/^call_/) as unknown, seq: 5 },
    });
    for (const event of events) expect(Date.parse(event.timestamp)).not.toBeNaN();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("never writes the raw input (only its length) nor a credential a plugin leaks in an error", async () => {
    const path = await auditFile();
    const secretInput = "my social security number is 078-05-1120";
    const { engine } = setup([call("notes__leak", {}), { content: "failed" }], {
      extensions: [new AuditExtension({ recorder: new JsonLinesAuditRecorder(path) })],
    });
    await engine.run("assistant", secretInput);
    await engine.shutdown();
    const text = await readFile(path, "utf8");
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain("078-05-1120");
    const started = text
      .split("\n")
      .map((l) => (l ? (JSON.parse(l) as AuditEvent) : undefined))
      .find((e) => e?.hook === "runStarted");
    expect(started!.metadata).toMatchObject({ inputLength: secretInput.length });
    expect(text).toContain("tool.fail");
  });

  it("keeps every record of 200 concurrent runs in the file", async () => {
    const path = await auditFile();
    const { engine, recorder } = setup([call("notes__list", {}), { content: "ok" }], {
      perRun: true,
      extensions: [new AuditExtension({ recorder: new JsonLinesAuditRecorder(path) })],
    });
    await Promise.all(Array.from({ length: 200 }, (_, i) => engine.run("assistant", `run ${i}`)));
    await engine.shutdown();
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(recorder.events.length);
  });

  it("records model calls with their tokens, and failed ones with their code", async () => {
    const memory = new MemoryAuditRecorder();
    const usage = { inputTokens: 11, outputTokens: 4 };
    const { engine } = setup(
      [
        { content: "hi", usage },
        () => {
          throw new Error("provider down");
        },
      ],
      { extensions: [new AuditExtension({ recorder: memory })] },
    );
    const { runId } = await engine.run("assistant", "x");
    await engine.run("assistant", "y");
    expect(memory.events.find((e) => e.hook === "modelCompleted")).toMatchObject({
      action: "model.complete",
      resource: "run",
      resourceId: runId,
      outcome: "success",
      metadata: { stepIndex: 0, inputTokens: 11, outputTokens: 4, seq: 4 },
    });
    expect(memory.events.find((e) => e.hook === "modelFailed")).toMatchObject({
      action: "model.fail",
      outcome: "failure",
      severity: "error",
      reason: "The model failed: provider down",
      metadata: { code: "CORTEX_MODEL_ERROR" },
    });
  });

  it("records to any recorder", async () => {
    const memory = new MemoryAuditRecorder();
    const { engine } = setup([{ content: "hi" }], { extensions: [new AuditExtension({ recorder: memory })] });
    await engine.run("assistant", "x");
    expect(memory.events.map((e) => e.action)).toEqual(ONE_ANSWER);
    // Each record of a run carries its event's seq, so a lost record shows as a gap.
    expect(memory.events.map((e) => e.metadata.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("hands a recorder that takes JSON text each record's text, and never the object", async () => {
    const lines: string[] = [];
    const objects: AuditEvent[] = [];
    const recorder = {
      record: (e: AuditEvent) => void objects.push(e),
      recordJson: (line: string) => void lines.push(line),
    };
    const memory = new MemoryAuditRecorder();
    const { engine } = setup([{ content: "hi" }], {
      extensions: [new AuditExtension({ recorder }), new AuditExtension({ recorder: memory, name: "memory" })],
    });
    await engine.run("assistant", "x");
    expect(objects).toEqual([]);
    // An object recorder gets the same records, as that text reads back (made a moment apart: the clock may tick).
    const untimed = ({ timestamp: _, ...rest }: AuditEvent) => rest;
    expect(lines.map((line) => untimed(JSON.parse(line) as AuditEvent))).toEqual(memory.events.map(untimed));
    expect(lines.map((line) => (JSON.parse(line) as AuditEvent).action)).toEqual(ONE_ANSWER);
  });
});

it("AuditExtension closes its recorder at shutdown even when the shutdown record fails", async () => {
  let closed = 0;
  const recorder = {
    record: (event: AuditEvent) =>
      event.hook === "shutdown" ? Promise.reject(new Error("disk full")) : Promise.resolve(),
    close: () => {
      closed++;
      return Promise.resolve();
    },
  };
  const { engine } = setup([{ content: "ok" }], { extensions: [new AuditExtension({ recorder })] });
  await engine.run("assistant", "x");
  await engine.shutdown();
  expect(closed).toBe(1);
  expect(engine.hooks.errorCounts().byHook.shutdown).toBe(1);
});

/** Batches as JsonLinesAuditRecorder does: the records of one tick share one promise, settled by the test. */
class BatchingRecorder {
  readonly batches: { actions: string[]; settle: (error?: Error) => void }[] = [];
  #open: Promise<void> | undefined;

  record(event: AuditEvent): Promise<void> {
    if (this.#open === undefined) {
      const actions: string[] = [];
      this.#open = new Promise<void>((resolve, reject) => {
        this.batches.push({ actions, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      });
      queueMicrotask(() => (this.#open = undefined));
    }
    this.batches.at(-1)!.actions.push(event.action);
    return this.#open;
  }
}

it("AuditExtension hands the bus a batch's promise once: flush still waits for every record, a failed batch counts once", async () => {
  const recorder = new BatchingRecorder();
  const bus = new HookBus({ logger: silentLogger });
  bus.register(new AuditExtension({ recorder }));
  const started = { runId: "r", agentId: "a", input: "x", seq: 1 } as never;
  const step = { runId: "r", stepIndex: 0, seq: 2 } as never;
  bus.emit("runStarted", started);
  bus.emit("stepStarted", step);
  bus.emit("runStarted", started);
  expect(bus.pendingCount).toBe(1);
  expect(recorder.batches.map((b) => b.actions)).toEqual([["run.start", "step.start", "run.start"]]);
  let flushed = false;
  const flush = bus.flush(5_000).then((report) => ((flushed = true), report));
  await new Promise((resolve) => setImmediate(resolve));
  expect(flushed).toBe(false);
  recorder.batches[0]!.settle();
  expect(await flush).toEqual({ settled: 1, timedOut: [] });

  bus.emit("stepStarted", step);
  bus.emit("stepStarted", step);
  recorder.batches[1]!.settle(new Error("disk full"));
  await bus.flush(5_000);
  expect(bus.errorCounts()).toMatchObject({ total: 1, byHook: { stepStarted: 1 } });
});
