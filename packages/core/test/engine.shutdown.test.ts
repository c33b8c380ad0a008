import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import {
  AuditExtension,
  ENGINE_DEFAULTS,
  EngineShutDownError,
  HANDOFF_TOOL,
  InvalidOptionsError,
  JsonLinesAuditRecorder,
  MemoryRunStore,
  type AuditEvent,
  type ModelRequest,
} from "../src/index.js";
import { call, setup, sleep } from "./support.js";

/** An engine with agents a and b whose model answers `answer from <agent>` after `delayMs`, auditing to a JSON-lines file. */
async function twoAgents(delayMs: number) {
  const path = join(await mkdtemp(join(tmpdir(), "cortex-shutdown-")), "audit.jsonl");
  const ctx = setup([], { extensions: [new AuditExtension({ recorder: new JsonLinesAuditRecorder(path) })] });
  (ctx.model as unknown as { generate: unknown }).generate = async (r: ModelRequest) => {
    await sleep(delayMs);
    return { content: `answer from ${r.agentId}` };
  };
  ctx.engine.defineAgent({ id: "a", tools: [] });
  ctx.engine.defineAgent({ id: "b", tools: [] });
  const audited = async () =>
    (await readFile(path, "utf8"))
      .trimEnd()
      .split("\n")
      .map((line) => (JSON.parse(line) as AuditEvent).hook);
  return { ...ctx, audited };
}

describe("engine.shutdown", () => {
  it("lets in-flight runs finish, emits shutdown once, flushes hooks and tears plugins down", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { engine, plugin, recorder } = setup([
      call("notes__add", { text: "a" }),
      async () => {
        await gate;
        return { content: "finished" };
      },
    ]);
    const running = engine.run("assistant", "x");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const stopping = engine.shutdown({ timeoutMs: 5_000 });
    await expect(engine.run("assistant", "again")).rejects.toBeInstanceOf(EngineShutDownError);
    release();
    expect(await running).toMatchObject({ status: "completed", output: "finished" });
    expect(await stopping).toEqual({ abortedRuns: 0, hooksTimedOut: 0 });
    expect(recorder.count("shutdown")).toBe(1);
    expect(recorder.hooks().at(-1)).toBe("shutdown");
    expect(plugin.tornDown).toBe(1);
  });

  it("aborts runs still going at the deadline", async () => {
    const { engine, recorder } = setup([call("notes__slow", {})]);
    const running = engine.run("assistant", "x");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const report = await engine.shutdown({ timeoutMs: 30 });
    expect(report.abortedRuns).toBe(1);
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(recorder.hooks().slice(-2)).toEqual(["runFailed", "shutdown"]);
  });

  it("is idempotent and safe to call twice concurrently", async () => {
    const { engine, plugin, recorder } = setup([]);
    const [a, b] = [engine.shutdown(), engine.shutdown()];
    expect(a).toBe(b);
    await Promise.all([a, b]);
    await engine.shutdown();
    expect(recorder.count("shutdown")).toBe(1);
    expect(plugin.tornDown).toBe(0);
    await expect(engine.resolveCheckpoint("cp_x", { approved: true })).rejects.toMatchObject({
      code: "CORTEX_ENGINE_SHUT_DOWN",
    });
  });

  it("waits for slow async hooks before it resolves", async () => {
    const written: string[] = [];
    const slow = {
      name: "slow-writer",
      onShutdown: () => new Promise<void>((resolve) => setTimeout(() => (written.push("flushed"), resolve()), 30)),
    };
    const { engine } = setup([], { extensions: [slow] });
    await engine.shutdown();
    expect(written).toEqual(["flushed"]);
  });

  it("waits for an orchestration between its runs: the next agent runs, and shutdown is the last hook and audit record", async () => {
    const { engine, recorder, audited } = await twoAgents(20);
    const orchestration = engine.orchestrate({ strategy: "sequential", agents: ["a", "b"] }, "go");
    await sleep(5); // a is running; b is still to come
    // A deadline far beyond the runs' 20 ms and their audit writes, even on a loaded machine: not waiting shows as an abort.
    expect(await engine.shutdown({ timeoutMs: 30_000 })).toEqual({ abortedRuns: 0, hooksTimedOut: 0 });
    expect(await orchestration).toMatchObject({ status: "completed", output: "answer from b" });
    expect(recorder.hooks().slice(-2)).toEqual(["orchestrationCompleted", "shutdown"]);
    expect(await audited()).toEqual(recorder.hooks());
    await expect(engine.orchestrate({ strategy: "sequential", agents: ["a"] }, "again")).rejects.toBeInstanceOf(
      EngineShutDownError,
    );
  });

  it("waits for a router orchestration whose rule is still deciding", async () => {
    const { engine, recorder, audited } = await twoAgents(0);
    const route = async () => {
      await sleep(30);
      return "a";
    };
    const orchestration = engine.orchestrate({ strategy: "router", agents: ["a", "b"], route }, "go");
    await engine.shutdown({ timeoutMs: 30_000 });
    expect(await orchestration).toMatchObject({ status: "completed", output: "answer from a" });
    expect(recorder.hooks()).toEqual([
      "orchestrationStarted",
      "agentHandoff",
      "runStarted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "stepCompleted",
      "runCompleted",
      "orchestrationCompleted",
      "shutdown",
    ]);
    expect(await audited()).toEqual(recorder.hooks());
  });

  it("waits for the orchestration a checkpoint resolution accepted before shutdown continues", async () => {
    const ctx = setup([call("notes__publish", { text: "x" }), { content: "first done" }, { content: "second done" }]);
    ctx.engine.defineAgent({ id: "second", tools: [] });
    const paused = await ctx.engine.orchestrate({ strategy: "sequential", agents: ["assistant", "second"] }, "go");
    const resumed = ctx.engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    await ctx.engine.shutdown();
    expect((await resumed).orchestration).toMatchObject({ status: "completed", output: "second done" });
    expect(ctx.recorder.hooks().slice(-2)).toEqual(["orchestrationCompleted", "shutdown"]);
  });

  it("keeps its deadline for orchestrations: a rule that never answers, or a run that hangs, is aborted", async () => {
    const { engine, recorder } = await twoAgents(0);
    const never = engine.orchestrate(
      { strategy: "router", agents: ["a"], route: () => new Promise<string>(() => undefined) },
      "go",
    );
    // Another engine runs a sequential orchestration whose first run hangs in a tool.
    const { engine: other, recorder: otherRecorder } = setup([call("notes__slow", {})]);
    other.defineAgent({ id: "second", tools: [] });
    const hanging = other.orchestrate({ strategy: "sequential", agents: ["assistant", "second"] }, "go");
    await sleep(10);
    const started = Date.now();
    await Promise.all([engine.shutdown({ timeoutMs: 30 }), other.shutdown({ timeoutMs: 30 })]);
    // Without the deadline shutdown would wait forever: the rule never answers, the tool ends only when aborted.
    // (That the deadline is the 30 ms given, not the default, approver.test.ts checks in faked time.)
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await never).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(await hanging).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect((await hanging).runs.map((r) => r.agentId)).toEqual(["assistant"]);
    expect(recorder.hooks().at(-1)).toBe("shutdown");
    expect(otherRecorder.hooks().at(-1)).toBe("shutdown");
  });

  it("aborts a handoff that starts after the deadline, so shutdown does not wait for it", async () => {
    // The store holds a's removal (a has handed off) until the test lets it go: b starts only then.
    let deleting!: () => void;
    const handedOff = new Promise<void>((resolve) => (deleting = resolve));
    let finishDelete!: () => void;
    const deleteMayFinish = new Promise<void>((resolve) => (finishDelete = resolve));
    class SlowDeleteStore extends MemoryRunStore {
      override async delete(runId: string): Promise<void> {
        deleting();
        await deleteMayFinish;
        return super.delete(runId);
      }
    }
    const ctx = setup([], { runStore: new SlowDeleteStore() });
    ctx.engine.defineAgent({ id: "a", handoffs: ["b"] });
    ctx.engine.defineAgent({ id: "b", tools: [] });
    (ctx.model as unknown as { generate: unknown }).generate = async (r: ModelRequest) => {
      const turns = r.messages.filter((m) => m.role === "assistant").length;
      if (r.agentId === "a")
        return turns === 0
          ? call("notes__publish", { text: "x" })
          : call(HANDOFF_TOOL, { agent: "b", message: "yours" });
      // b takes 120 s unless its signal aborts.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 120_000);
        r.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()));
      });
      return { content: "b answered" };
    };
    const paused = await ctx.engine.run("a", "go");
    const resumed = ctx.engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    await handedOff;
    const started = Date.now();
    const stopping = ctx.engine.shutdown({ timeoutMs: 30 });
    // Timers fire in the order they are due: once this one has, so has the 30 ms deadline set before it.
    await sleep(50);
    finishDelete();
    await stopping;
    // Far below the 120 s that waiting for b would take.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await resumed).toMatchObject({ agentId: "b", status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(ctx.recorder.hooks().slice(-2)).toEqual(["runFailed", "shutdown"]);
  }, 150_000);

  it("waits without a deadline for timeoutMs Infinity or beyond 2^31-1 ms, and rejects a bad one", async () => {
    for (const timeoutMs of [Infinity, 3_000_000_000]) {
      const { engine } = await twoAgents(100);
      const running = engine.run("a", "go");
      await sleep(10);
      expect(await engine.shutdown({ timeoutMs })).toEqual({ abortedRuns: 0, hooksTimedOut: 0 });
      expect(await running).toMatchObject({ status: "completed" });
    }
    const { engine } = setup([]);
    for (const timeoutMs of [-1, Number.NaN, "10" as unknown as number]) {
      await expect(engine.shutdown({ timeoutMs })).rejects.toBeInstanceOf(InvalidOptionsError);
    }
    expect(await engine.shutdown({ timeoutMs: 0 })).toEqual({ abortedRuns: 0, hooksTimedOut: 0 });
  });
});

describe("shutdown racing a checkpoint resolution", () => {
  it("waits for the resumed run, so shutdown is the last event and the call runs before teardown", async () => {
    const { engine, plugin, recorder } = setup([call("notes__publish", { text: "x" }), { content: "done" }]);
    const paused = await engine.run("assistant", "x");
    const resumed = engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    const stopping = engine.shutdown();
    expect((await resumed).status).toBe("completed");
    await stopping;
    expect(plugin.calls).toHaveLength(1);
    expect(plugin.tornDown).toBe(1);
    expect(recorder.hooks().at(-1)).toBe("shutdown");
    expect(recorder.hooks().filter((h) => h === "runCompleted")).toHaveLength(1);
  });
});

describe("engine.shutdown with timeoutMs Infinity", () => {
  const hanging = { name: "hanging", onRunCompleted: () => new Promise<never>(() => undefined) };

  it("waits for the work, but flushes hooks with a limit and always tears plugins down", async () => {
    const { engine, plugin } = setup(
      [call("notes__add", { text: "x" }), async () => (await sleep(30), { content: "slow but done" })],
      { extensions: [hanging] },
    );
    const running = engine.run("assistant", "x");
    await sleep(5);
    const report = await engine.shutdown({ timeoutMs: Infinity, flushTimeoutMs: 50 });
    expect(report).toEqual({ abortedRuns: 0, hooksTimedOut: 1 });
    expect(await running).toMatchObject({ status: "completed", output: "slow but done" });
    expect(plugin.tornDown).toBe(1);
  });

  it("gives hooks ENGINE_DEFAULTS.infiniteShutdownHookFlushMs when no flushTimeoutMs is given", async () => {
    const { engine, plugin } = setup([call("notes__add", { text: "x" }), { content: "done" }], {
      extensions: [hanging],
    });
    await engine.run("assistant", "x");
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let report: unknown;
      void engine.shutdown({ timeoutMs: Infinity }).then((r) => (report = r));
      await vi.advanceTimersByTimeAsync(ENGINE_DEFAULTS.infiniteShutdownHookFlushMs - 10);
      expect(report).toBeUndefined();
      await vi.advanceTimersByTimeAsync(20);
      expect(report).toEqual({ abortedRuns: 0, hooksTimedOut: 1 });
      expect(plugin.tornDown).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a flushTimeoutMs that is not a finite number of milliseconds", async () => {
    const { engine } = setup([]);
    for (const flushTimeoutMs of [Infinity, -1, Number.NaN]) {
      await expect(engine.shutdown({ flushTimeoutMs })).rejects.toMatchObject({
        code: "CORTEX_INVALID_OPTIONS",
        option: "flushTimeoutMs",
      });
    }
  });
});
