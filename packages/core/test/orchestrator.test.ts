import { describe, expect, it } from "vitest";
import {
  AuditExtension,
  InvalidOrchestrationError,
  MemoryAuditRecorder,
  MemoryRunStore,
  ORCHESTRATOR,
} from "../src/index.js";
import { call, setup } from "./support.js";

/** A model whose answer depends on which agent asks, so several agents can share one engine. */
function byAgent(answers: Record<string, (input: string) => unknown>) {
  return (request: { agentId?: string; messages: readonly { role: string; content?: string }[] }) => {
    const input = request.messages.find((m) => m.role === "user")?.content ?? "";
    return answers[request.agentId!]!(input) as never;
  };
}

function engineWith(answers: Record<string, (input: string) => unknown>, steps = 20) {
  const ctx = setup(Array.from({ length: steps }, () => byAgent(answers)));
  for (const id of Object.keys(answers)) if (id !== "assistant") ctx.engine.defineAgent({ id, tools: [] });
  return ctx;
}

describe("orchestration", () => {
  it("sequential: each agent's output is the next one's input", async () => {
    const { engine, recorder } = engineWith({
      upper: (input) => ({ content: input.toUpperCase() }),
      exclaim: (input) => ({ content: `${input}!` }),
      wrap: (input) => ({ content: `<${input}>` }),
    });
    const result = await engine.orchestrate({ strategy: "sequential", agents: ["upper", "exclaim", "wrap"] }, "hi");
    expect(result).toMatchObject({ status: "completed", strategy: "sequential", output: "<HI!>" });
    expect(result.runs.map((r) => [r.agentId, r.output])).toEqual([
      ["upper", "HI"],
      ["exclaim", "HI!"],
      ["wrap", "<HI!>"],
    ]);
    const id = result.orchestrationId;
    expect(recorder.ofHook("orchestrationStarted")).toEqual([{ orchestrationId: id, strategy: "sequential" }]);
    expect(recorder.ofHook("agentHandoff")).toEqual([
      { orchestrationId: id, from: ORCHESTRATOR, to: "upper", payload: "hi" },
      { orchestrationId: id, from: "upper", to: "exclaim", payload: "HI" },
      { orchestrationId: id, from: "exclaim", to: "wrap", payload: "HI!" },
    ]);
    expect(recorder.ofHook("orchestrationCompleted")).toEqual([
      { orchestrationId: id, elapsedMs: expect.any(Number) as number, outcome: "completed" },
    ]);
    expect(recorder.hooks().at(-1)).toBe("orchestrationCompleted");
  });

  it("sequential: a failure stops the chain and is reported, with orchestrationCompleted", async () => {
    const { engine, recorder } = engineWith({
      ok: () => ({ content: "fine" }),
      broken: () => call("nope__x", {}),
      never: () => ({ content: "x" }),
    });
    const result = await engine.orchestrate({ strategy: "sequential", agents: ["ok", "broken", "never"] }, "go");
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_UNKNOWN_TOOL" } });
    expect(result.runs.map((r) => r.agentId)).toEqual(["ok", "broken"]);
    expect(recorder.ofHook("orchestrationCompleted")[0]).toMatchObject({ outcome: "failed" });
  });

  it("parallel: bounded concurrency, every result kept, one failure reported without losing the others", async () => {
    let running = 0;
    let peak = 0;
    const slow = (content: string) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      return { content };
    };
    const { engine, recorder } = engineWith({
      a: slow("A"),
      b: slow("B"),
      c: () => Promise.reject(new Error("model down")),
      d: slow("D"),
    });
    const result = await engine.orchestrate(
      { strategy: "parallel", agents: ["a", "b", "c", "d"], concurrency: 2 },
      "task",
    );
    expect(peak).toBe(2);
    expect(result.status).toBe("failed");
    expect(result.error).toMatchObject({ code: "CORTEX_ORCHESTRATION_FAILED" });
    expect(result.error!.message).toContain("c (CORTEX_MODEL_ERROR)");
    expect(result.runs.map((r) => [r.agentId, r.status])).toEqual([
      ["a", "completed"],
      ["b", "completed"],
      ["c", "failed"],
      ["d", "completed"],
    ]);
    expect(result.output).toBe("[a]\nA\n\n[b]\nB\n\n[d]\nD");
    expect(recorder.ofHook("agentHandoff").map((h) => [h.from, h.to, h.payload])).toEqual([
      [ORCHESTRATOR, "a", "task"],
      [ORCHESTRATOR, "b", "task"],
      [ORCHESTRATOR, "c", "task"],
      [ORCHESTRATOR, "d", "task"],
    ]);
    expect(recorder.ofHook("orchestrationCompleted")[0]).toMatchObject({ outcome: "failed" });
  });

  it("router: a rule picks the agent", async () => {
    const { engine, recorder } = engineWith({
      billing: () => ({ content: "billing here" }),
      support: () => ({ content: "support here" }),
    });
    const result = await engine.orchestrate(
      {
        strategy: "router",
        agents: ["billing", "support"],
        route: (input) => (input.includes("invoice") ? "billing" : "support"),
      },
      "my invoice is wrong",
    );
    expect(result).toMatchObject({ status: "completed", output: "billing here" });
    expect(recorder.ofHook("agentHandoff").map((h) => [h.from, h.to])).toEqual([[ORCHESTRATOR, "billing"]]);
  });

  it("router: a router agent picks the agent by naming it", async () => {
    const { engine, recorder } = engineWith({
      router: (input) => ({ content: input.includes("refund") ? "billing" : "support" }),
      billing: (input) => ({ content: `billing got: ${input}` }),
      support: () => ({ content: "support" }),
    });
    const result = await engine.orchestrate(
      { strategy: "router", agents: ["billing", "support"], route: { agent: "router" } },
      "I want a refund",
    );
    expect(result).toMatchObject({ status: "completed", output: "billing got: I want a refund" });
    expect(result.runs.map((r) => r.agentId)).toEqual(["router", "billing"]);
    expect(recorder.ofHook("agentHandoff").map((h) => [h.from, h.to])).toEqual([
      [ORCHESTRATOR, "router"],
      ["router", "billing"],
    ]);
  });

  it("router: an answer that names no agent fails with CORTEX_ROUTING_FAILED", async () => {
    const { engine } = engineWith({ router: () => ({ content: "no idea" }), a: () => ({ content: "a" }) });
    const result = await engine.orchestrate({ strategy: "router", agents: ["a"], route: { agent: "router" } }, "x");
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_ROUTING_FAILED" } });
  });

  it("rejects a spec it cannot run", async () => {
    const { engine } = engineWith({ a: () => ({ content: "a" }) });
    await expect(engine.orchestrate({ strategy: "sequential", agents: [] }, "x")).rejects.toBeInstanceOf(
      InvalidOrchestrationError,
    );
    await expect(engine.orchestrate({ strategy: "sequential", agents: ["ghost"] }, "x")).rejects.toThrow(/ghost/);
    await expect(engine.orchestrate({ strategy: "shuffle" } as never, "x")).rejects.toMatchObject({
      code: "CORTEX_INVALID_ORCHESTRATION",
    });
    await expect(engine.orchestrate({ strategy: "parallel", agents: ["a"], concurrency: 0 }, "x")).rejects.toThrow(
      /concurrency/,
    );
  });

  it("rejects a router agent whose persona is missing before the orchestration starts", async () => {
    const { engine, recorder } = engineWith({ a: () => ({ content: "a" }) });
    engine.defineAgent({ id: "triage", tools: [], persona: "missing" });
    await expect(
      engine.orchestrate({ strategy: "router", agents: ["a"], route: { agent: "triage" } }, "x"),
    ).rejects.toMatchObject({
      code: "CORTEX_PERSONA_NOT_FOUND",
      agentId: "triage",
    });
    expect(recorder.hooks()).toEqual([]);
  });

  it("a checkpoint inside a sequential orchestration pauses it, and resolving it continues the orchestration", async () => {
    const ctx = setup([call("notes__publish", { text: "draft" }), { content: "published" }, { content: "echoed" }]);
    ctx.engine.defineAgent({ id: "second", tools: [] });
    const paused = await ctx.engine.orchestrate({ strategy: "sequential", agents: ["assistant", "second"] }, "draft");
    expect(paused.status).toBe("awaiting_approval");
    expect(paused.checkpoints).toHaveLength(1);
    expect(ctx.recorder.count("orchestrationCompleted")).toBe(0);
    const resumed = await ctx.engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    expect(resumed.status).toBe("completed");
    expect(resumed.orchestration).toMatchObject({
      orchestrationId: paused.orchestrationId,
      status: "completed",
      output: "echoed",
    });
    expect(resumed.orchestration!.runs.map((r) => r.agentId)).toEqual(["assistant", "second"]);
    expect(ctx.plugin.calls).toEqual([{ action: "publish", params: { text: "draft" } }]);
    expect(ctx.recorder.ofHook("agentHandoff").map((h) => [h.from, h.to, h.payload])).toEqual([
      [ORCHESTRATOR, "assistant", "draft"],
      ["assistant", "second", "published"],
    ]);
    expect(ctx.recorder.ofHook("orchestrationCompleted")).toHaveLength(1);
  });

  it("a checkpoint inside a parallel orchestration pauses it until every paused run is resolved", async () => {
    const ctx = setup([]);
    const scripts: Record<string, unknown[]> = {
      p1: [call("notes__publish", { text: "one" }), { content: "one done" }],
      p2: [{ content: "two done" }],
    };
    const model = ctx.model as unknown as { generate: (r: { agentId: string }) => Promise<unknown> };
    model.generate = (request) => Promise.resolve(scripts[request.agentId]!.shift());
    ctx.engine.defineAgent({ id: "p1" });
    ctx.engine.defineAgent({ id: "p2" });
    const paused = await ctx.engine.orchestrate({ strategy: "parallel", agents: ["p1", "p2"] }, "go");
    expect(paused).toMatchObject({ status: "awaiting_approval" });
    expect(paused.runs.map((r) => r.agentId)).toEqual(["p2"]);
    const resumed = await ctx.engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    expect(resumed.orchestration).toMatchObject({ status: "completed", output: "[p1]\none done\n\n[p2]\ntwo done" });
    expect(ctx.recorder.ofHook("orchestrationCompleted")).toHaveLength(1);
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
