import { describe, expect, it } from "vitest";
import { AuditExtension, HANDOFF_TOOL, MemoryAuditRecorder, MemoryRunStore, MetricsExtension } from "../src/index.js";
import { call, setup } from "./support.js";

describe("an approval is bound to the exact call", () => {
  it("an extension that edits toolCalled's args cannot change what runs", async () => {
    const meddler = {
      name: "meddler",
      onToolCalled: async (e: { args: unknown }) => {
        await Promise.resolve();
        (e.args as { text: string }).text = "CHANGED";
      },
    };
    const { engine, plugin } = setup([call("notes__publish", { text: "original" }), { content: "done" }], {
      extensions: [meddler],
    });
    const paused = await engine.run("assistant", "x");
    await new Promise((resolve) => setTimeout(resolve, 5));
    await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(plugin.calls).toEqual([{ action: "publish", params: { text: "original" } }]);
  });

  it("a stored run whose paused call was altered does not run it", async () => {
    const { engine, plugin, recorder } = setup([call("notes__publish", { text: "original" }), { content: "done" }]);
    const paused = await engine.run("assistant", "x");
    const state = (await engine.getRun(paused.runId))!;
    // The paused call is changed in storage after it was checkpointed, as a compromised store could.
    state.pending[0]!.args = { text: "tampered" };
    const tampered = new MemoryRunStore();
    await tampered.save(state);
    const second = setup([{ content: "done" }], { runStore: tampered, plugins: engine.plugins });
    const result = await second.engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(result.status).toBe("completed");
    expect(plugin.calls).toEqual([]);
    expect(second.recorder.ofHook("toolFailed")[0]!.error).toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    expect(recorder.count("toolFailed")).toBe(0);
  });
});

describe("aborts and shutdown while an inline approver is deciding", () => {
  it("an abort ends the wait at once and the call never runs", async () => {
    const { engine, plugin } = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
      approver: () => new Promise<never>(() => undefined),
    });
    const controller = new AbortController();
    const started = Date.now();
    const running = engine.run("assistant", "x", { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(plugin.calls).toEqual([]);
  });

  it("shutdown's deadline is kept", async () => {
    const { engine, recorder } = setup([call("notes__publish", { text: "x" })], {
      approver: () => new Promise<never>(() => undefined),
    });
    const running = engine.run("assistant", "x");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    expect((await engine.shutdown({ timeoutMs: 30 })).abortedRuns).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await running).status).toBe("failed");
    expect(recorder.hooks().at(-1)).toBe("shutdown");
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

describe("orchestration edge cases", () => {
  it("a router agent paused at a checkpoint pauses the orchestration, and resuming routes to the chosen agent", async () => {
    const ctx = setup([]);
    const scripts: Record<string, unknown[]> = {
      assistant: [call("notes__publish", { text: "routing" }), { content: "writer" }],
      writer: [{ content: "written" }],
    };
    (ctx.model as unknown as { generate: unknown }).generate = (r: { agentId: string }) =>
      Promise.resolve(scripts[r.agentId]!.shift());
    ctx.engine.defineAgent({ id: "writer", tools: [] });
    const paused = await ctx.engine.orchestrate(
      { strategy: "router", agents: ["writer"], route: { agent: "assistant" } },
      "write it",
    );
    expect(paused).toMatchObject({ status: "awaiting_approval" });
    expect(paused.checkpoints).toHaveLength(1);
    expect(ctx.recorder.count("orchestrationCompleted")).toBe(0);
    const resumed = await ctx.engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    expect(resumed.orchestration).toMatchObject({ status: "completed", output: "written" });
    expect(resumed.orchestration!.runs.map((r) => r.agentId)).toEqual(["assistant", "writer"]);
    expect(ctx.recorder.ofHook("agentHandoff").map((h) => h.to)).toEqual(["assistant", "writer"]);
    expect(ctx.recorder.count("orchestrationCompleted")).toBe(1);
  });

  it("a run that cannot start ends the orchestration as failed, with orchestrationCompleted", async () => {
    const store = new MemoryRunStore();
    const first = setup([call("notes__publish", { text: "x" })], { runStore: store });
    first.engine.defineAgent({ id: "second", tools: [] });
    const paused = await first.engine.orchestrate({ strategy: "sequential", agents: ["assistant", "second"] }, "x");
    // Another engine on the same store, which does not define "second", resumes the orchestration.
    const other = setup([{ content: "first done" }], { runStore: store, plugins: first.engine.plugins });
    const audit = new MemoryAuditRecorder();
    other.engine.hooks.register(new AuditExtension({ recorder: audit }));
    const resumed = await other.engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    expect(resumed.orchestration).toMatchObject({ status: "failed", error: { code: "CORTEX_AGENT_NOT_FOUND" } });
    expect(other.recorder.ofHook("orchestrationCompleted")).toEqual([expect.objectContaining({ outcome: "failed" })]);
    expect(audit.events.find((e) => e.hook === "orchestrationCompleted")).toMatchObject({
      outcome: "failure",
      severity: "error",
    });
  });
});

describe("handoffs", () => {
  it("are limited per chain by maxHandoffs", async () => {
    const ctx = setup([], { maxHandoffs: 3 });
    ctx.engine.defineAgent({ id: "ping", tools: [], handoffs: ["pong"] });
    ctx.engine.defineAgent({ id: "pong", tools: [], handoffs: ["ping"] });
    (ctx.model as unknown as { generate: unknown }).generate = (r: {
      agentId: string;
      messages: { role: string; content?: string }[];
    }) => {
      const last = r.messages.at(-1)!;
      if (last.role === "tool") return Promise.resolve({ content: `stuck at ${r.agentId}` });
      return Promise.resolve(call(HANDOFF_TOOL, { agent: r.agentId === "ping" ? "pong" : "ping", message: "yours" }));
    };
    const result = await ctx.engine.run("ping", "go");
    expect(result.handoffs).toHaveLength(3);
    expect(result.output).toMatch(/^stuck at/);
    expect(ctx.recorder.ofHook("toolFailed").map((e) => (e.error as { code: string }).code)).toEqual([
      "CORTEX_HANDOFF_LIMIT",
    ]);
  });

  it("continue during shutdown, as in-flight work", async () => {
    const ctx = setup([]);
    ctx.engine.defineAgent({ id: "triage", tools: [], handoffs: ["billing"] });
    ctx.engine.defineAgent({ id: "billing", tools: [] });
    (ctx.model as unknown as { generate: unknown }).generate = (r: { agentId: string }) => {
      if (r.agentId === "triage") {
        void ctx.engine.shutdown();
        return Promise.resolve(call(HANDOFF_TOOL, { agent: "billing", message: "refund" }));
      }
      return Promise.resolve({ content: "refunded" });
    };
    const result = await ctx.engine.run("triage", "x");
    expect(result).toMatchObject({ status: "completed", agentId: "billing", output: "refunded" });
    await ctx.engine.shutdown();
    expect(ctx.recorder.hooks().at(-1)).toBe("shutdown");
  });
});

describe("metrics", () => {
  it("do not count the wait for a human as tool time", async () => {
    const metrics = new MetricsExtension();
    const { engine } = setup([call("notes__publish", { text: "x" }), { content: "done" }], { extensions: [metrics] });
    const paused = await engine.run("assistant", "x");
    await new Promise((resolve) => setTimeout(resolve, 150));
    await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: false });
    const { tools, steps } = metrics.snapshot().durations;
    expect(tools.count).toBe(0);
    expect(steps.max).toBeLessThan(100);
  });
});
