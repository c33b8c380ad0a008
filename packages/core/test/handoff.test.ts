import { describe, expect, it } from "vitest";
import { HANDOFF_TOOL, MemoryRunStore, type ModelRequest } from "../src/index.js";
import { call, setup } from "./support.js";

describe("the built-in handoff tool", () => {
  it("is offered to agents with handoffs, ends the run and continues in the other agent", async () => {
    const ctx = setup([]);
    const answers: Record<string, unknown[]> = {
      triage: [call(HANDOFF_TOOL, { agent: "billing", message: "Customer wants a refund for order 42" })],
      billing: [{ content: "Refund for order 42 issued." }],
    };
    const seen: Record<string, string[]> = {};
    (ctx.model as unknown as { generate: unknown }).generate = (request: {
      agentId: string;
      tools: { name: string }[];
      messages: { role: string; content?: string }[];
    }) => {
      seen[request.agentId] = request.tools.map((t) => t.name);
      if (request.agentId === "billing")
        expect(request.messages.find((m) => m.role === "user")!.content).toBe("Customer wants a refund for order 42");
      return Promise.resolve(answers[request.agentId]!.shift());
    };
    ctx.engine.defineAgent({ id: "triage", tools: [], handoffs: ["billing"] });
    ctx.engine.defineAgent({ id: "billing", tools: ["notes.list"] });
    const result = await ctx.engine.run("triage", "I want my money back for order 42");
    expect(seen.triage).toEqual([HANDOFF_TOOL]);
    expect(seen.billing).toEqual(["notes__list"]);
    expect(result).toMatchObject({ status: "completed", agentId: "billing", output: "Refund for order 42 issued." });
    expect(result.handoffs).toEqual([{ from: "triage", to: "billing", runId: result.runId }]);
    const handoff = ctx.recorder.ofHook("agentHandoff")[0]!;
    const triageRun = ctx.recorder.ofHook("runStarted")[0]!.runId;
    expect(handoff).toEqual({
      orchestrationId: triageRun,
      from: "triage",
      to: "billing",
      payload: { message: "Customer wants a refund for order 42" },
      runId: triageRun,
      seq: 6,
    });
    expect(ctx.recorder.hooks()).toEqual([
      "runStarted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "toolCalled",
      "agentHandoff",
      "toolCompleted",
      "stepCompleted",
      "runCompleted",
      "runStarted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "stepCompleted",
      "runCompleted",
    ]);
  });

  it("refuses a handoff to an agent not in the list, as a correctable tool error", async () => {
    const ctx = setup([call(HANDOFF_TOOL, { agent: "root", message: "x" }), { content: "ok, staying" }], {
      agent: { handoffs: ["billing"] },
    });
    ctx.engine.defineAgent({ id: "billing" });
    const result = await ctx.engine.run("assistant", "x");
    expect(result).toMatchObject({ status: "completed", output: "ok, staying" });
    expect(ctx.recorder.count("agentHandoff")).toBe(0);
    expect(ctx.recorder.ofHook("toolFailed")[0]!.error).toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
  });

  it("rejects a handoff list naming the agent itself", () => {
    const ctx = setup([]);
    expect(() => ctx.engine.defineAgent({ id: "loop", handoffs: ["loop"] })).toThrow(/handoffs/);
  });

  it("tells the model when the target cannot start (unknown agent, missing persona), so hooks and result agree", async () => {
    const ctx = setup([]);
    ctx.engine.defineAgent({ id: "triage", tools: [], handoffs: ["ghost", "masked"] });
    ctx.engine.defineAgent({ id: "masked", tools: [], persona: "nobody" });
    const targets = ["ghost", "masked"];
    (ctx.model as unknown as { generate: unknown }).generate = () => {
      const agent = targets.shift();
      return Promise.resolve(
        agent ? call(HANDOFF_TOOL, { agent, message: "yours" }) : { content: "I will answer myself" },
      );
    };
    const result = await ctx.engine.run("triage", "x");
    expect(result).toMatchObject({ status: "completed", agentId: "triage", output: "I will answer myself" });
    expect(result.handoffs).toBeUndefined();
    expect(ctx.recorder.ofHook("toolFailed").map((e) => (e.error as { code: string }).code)).toEqual([
      "CORTEX_AGENT_NOT_FOUND",
      "CORTEX_PERSONA_NOT_FOUND",
    ]);
    expect(ctx.recorder.count("agentHandoff")).toBe(0);
    expect(ctx.recorder.count("runStarted")).toBe(1);
    expect(ctx.recorder.hooks().at(-1)).toBe("runCompleted");
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

describe("a handoff chain paused at a checkpoint", () => {
  /** An engine with triage → billing → refunds, where refunds publishes (CONFIRM) before it answers. */
  function chain(store: MemoryRunStore) {
    const ctx = setup([], { runStore: store });
    ctx.engine.defineAgent({ id: "triage", tools: [], handoffs: ["billing"] });
    ctx.engine.defineAgent({ id: "billing", tools: [], handoffs: ["refunds"] });
    ctx.engine.defineAgent({ id: "refunds", tools: ["notes.publish"] });
    (ctx.model as unknown as { generate: unknown }).generate = (r: ModelRequest) => {
      if (r.agentId === "triage")
        return Promise.resolve(call(HANDOFF_TOOL, { agent: "billing", message: "refund 42" }));
      if (r.agentId === "billing") return Promise.resolve(call(HANDOFF_TOOL, { agent: "refunds", message: "do it" }));
      const published = r.messages.some((m) => m.role === "tool");
      return Promise.resolve(published ? { content: "refunded" } : call("notes__publish", { text: "refund 42" }));
    };
    return ctx;
  }

  it.each([
    ["in the engine that paused it", false],
    ["in another engine on the same store", true],
  ])("still lists the whole chain once resolved %s", async (_, elsewhere) => {
    const store = new MemoryRunStore();
    const first = chain(store);
    const paused = await first.engine.run("triage", "I want my money back");
    expect(paused).toMatchObject({ status: "awaiting_approval", agentId: "refunds" });
    const links = paused.handoffs!.map(({ from, to }) => [from, to]);
    expect(links).toEqual([
      ["triage", "billing"],
      ["billing", "refunds"],
    ]);
    const resolver = elsewhere ? chain(store) : first;
    const done = await resolver.engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done).toMatchObject({ status: "completed", agentId: "refunds", output: "refunded" });
    expect(done.handoffs).toEqual(paused.handoffs);
    expect(done.handoffs!.at(-1)!.runId).toBe(done.runId);
  });
});
