import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { HANDOFF_TOOL, MemoryRunStore, type RunState } from "@cortex/core";
import { ActionTier, PluginHealthStatus } from "@cortex/plugins";
import { answer, API_KEY, call, names, only, parentOf, setup } from "./support.js";

describe("OpenTelemetryExtension spans", () => {
  it("traces a run with tools: invoke_agent over chat and execute_tool spans, in the GenAI conventions", async () => {
    const { engine, spans } = setup([call("notes__add", { text: "milk" }, "call_1"), answer("added")]);
    const result = await engine.run("assistant", "add milk", { sessionId: "session-7" });
    expect(result.status).toBe("completed");
    const all = spans();
    expect(names(all)).toEqual([
      "chat scripted-1",
      "execute_tool notes__add",
      "chat scripted-1",
      "invoke_agent assistant",
    ]);
    const run = only(all, "invoke_agent assistant");
    expect(run.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(run)).toBeUndefined();
    expect(run.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.provider.name": "cortex-test",
      "gen_ai.agent.id": "assistant",
      "gen_ai.agent.name": "assistant",
      "gen_ai.request.model": "scripted-1",
      "gen_ai.conversation.id": "session-7",
      "gen_ai.usage.input_tokens": 30,
      "gen_ai.usage.output_tokens": 8,
      "cortex.run.id": result.runId,
      "cortex.run.status": "completed",
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    const [firstChat, secondChat] = all.filter((span) => span.name === "chat scripted-1");
    expect(firstChat!.kind).toBe(SpanKind.CLIENT);
    expect(firstChat!.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "cortex-test",
      "gen_ai.request.model": "scripted-1",
      "gen_ai.usage.input_tokens": 10,
      "gen_ai.usage.output_tokens": 3,
      "cortex.step.index": 0,
    });
    expect(secondChat!.attributes["cortex.step.index"]).toBe(1);
    const tool = only(all, "execute_tool notes__add");
    expect(tool.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "notes__add",
      "gen_ai.tool.call.id": "call_1",
      "gen_ai.tool.type": "function",
      "cortex.tool.plugin": "notes",
      "cortex.tool.action": "add",
      "cortex.tool.tier": "AUTO",
    });
    for (const child of [firstChat!, secondChat!, tool]) {
      expect(parentOf(child)).toBe(run.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(run.spanContext().traceId);
    }
  });

  it("gives each call of one tool its own call id, and reads the tier of a plugin registered later", async () => {
    const { engine, spans, registry } = setup([
      call("notes__add", { text: "a" }, "c1"),
      call("notes__add", { text: "b" }, "c2"),
      answer("first"),
      call("clock__now", {}, "c3"),
      answer("second"),
    ]);
    await engine.run("assistant", "add two");
    registry.register({
      name: "clock",
      version: "1.0.0",
      description: "Tells the time",
      setup: () => Promise.resolve(),
      teardown: () => Promise.resolve(),
      listActions: () => [{ name: "now", description: "The time", tier: ActionTier.AUTO }],
      executeAction: () => Promise.resolve({ success: true, data: { now: 0 } }),
      health: () => Promise.resolve({ plugin: "clock", status: PluginHealthStatus.HEALTHY }),
    });
    await registry.setupAllPending();
    engine.defineAgent({ id: "timekeeper", tools: ["clock__*"] });
    expect((await engine.run("timekeeper", "time?")).status).toBe("completed");
    const all = spans();
    const adds = all.filter((span) => span.name === "execute_tool notes__add");
    expect(adds.map((span) => span.attributes["gen_ai.tool.call.id"])).toEqual(["c1", "c2"]);
    for (const span of adds) expect(span.attributes["cortex.tool.tier"]).toBe("AUTO");
    expect(only(all, "execute_tool clock__now").attributes).toMatchObject({
      "gen_ai.tool.call.id": "c3",
      "cortex.tool.plugin": "clock",
      "cortex.tool.action": "now",
      "cortex.tool.tier": "AUTO",
    });
  });

  it("records no content by default: no prompt, answer, arguments or result", async () => {
    const { engine, spans } = setup([call("notes__add", { text: "milk" }, "c1"), answer("added milk")]);
    await engine.run("assistant", "add milk");
    for (const span of spans()) {
      const keys = Object.keys(span.attributes);
      for (const key of [
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
      ])
        expect(keys).not.toContain(key);
      expect(JSON.stringify(span.attributes)).not.toContain("milk");
    }
  });

  it("records content with captureContent, with the broker's secrets redacted", async () => {
    const { engine, spans } = setup(
      [call("notes__add", { text: `key ${API_KEY}` }, "c1"), answer(`done with ${API_KEY}`)],
      { otel: { captureContent: true, secrets: () => [API_KEY] } },
    );
    await engine.run("assistant", `remember ${API_KEY} please`);
    const all = spans();
    const run = only(all, "invoke_agent assistant");
    expect(JSON.parse(String(run.attributes["gen_ai.input.messages"]))).toEqual([
      { role: "user", parts: [{ type: "text", content: "remember [REDACTED] please" }] },
    ]);
    expect(String(run.attributes["gen_ai.output.messages"])).toContain("done with [REDACTED]");
    const tool = only(all, "execute_tool notes__add");
    expect(JSON.parse(String(tool.attributes["gen_ai.tool.call.arguments"]))).toEqual({ text: "key [REDACTED]" });
    expect(String(tool.attributes["gen_ai.tool.call.result"])).toContain("key [REDACTED]");
    expect(JSON.stringify(all.map((span) => span.attributes))).not.toContain(API_KEY);
  });

  it("marks a failed tool and a failed run with error status and error.type", async () => {
    const failing = setup(
      [
        call("notes__explode", {}, "c1"),
        () => {
          throw new Error(`model down ${API_KEY}`);
        },
      ],
      { otel: { secrets: [API_KEY] } },
    );
    const result = await failing.engine.run("assistant", "explode");
    expect(result.status).toBe("failed");
    const all = failing.spans();
    const tool = only(all, "execute_tool notes__explode");
    expect(tool.status.code).toBe(SpanStatusCode.ERROR);
    expect(tool.attributes["error.type"]).toBe("CORTEX_PLUGIN_ERROR");
    const chats = all.filter((span) => span.name === "chat scripted-1");
    expect(chats.map((span) => span.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR]);
    expect(chats[1]!.attributes["error.type"]).toEqual(expect.any(String) as unknown);
    const run = only(all, "invoke_agent assistant");
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.attributes["error.type"]).toBe(result.error!.code);
    expect(run.attributes["cortex.run.status"]).toBe("failed");
    expect(run.status.message).not.toContain(API_KEY);
  });

  it("makes an orchestration the parent of its runs, and a handoff an event with the next run under it", async () => {
    const steps = [
      // The sequential orchestration's first agent hands off to the helper.
      { toolCalls: [{ id: "h1", name: HANDOFF_TOOL, arguments: { agent: "helper", message: "take over" } }] },
      answer("helper done"),
      answer("reviewer done"),
    ];
    const { engine, spans } = setup(steps, {
      agents: [
        { id: "triage", instructions: "Triage.", handoffs: ["helper"], tools: [] },
        { id: "helper", instructions: "Help.", tools: ["notes__*"] },
        { id: "reviewer", instructions: "Review.", tools: [] },
      ],
    });
    const result = await engine.orchestrate({ strategy: "sequential", agents: ["triage", "reviewer"] }, "go");
    expect(result.status).toBe("completed");
    const all = spans();
    const workflow = only(all, "invoke_workflow sequential");
    expect(workflow.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_workflow",
      "cortex.orchestration.id": result.orchestrationId,
      "cortex.orchestration.strategy": "sequential",
    });
    const triage = only(all, "invoke_agent triage");
    const helper = only(all, "invoke_agent helper");
    const reviewer = only(all, "invoke_agent reviewer");
    for (const run of [triage, helper, reviewer]) {
      expect(parentOf(run)).toBe(workflow.spanContext().spanId);
      expect(run.attributes["cortex.orchestration.id"]).toBe(result.orchestrationId);
    }
    const handoff = triage.events.find((event) => event.name === "cortex.agent.handoff");
    expect(handoff?.attributes).toEqual({ "cortex.handoff.from": "triage", "cortex.handoff.to": "helper" });
    expect(helper.links.map((link) => link.context.spanId)).toEqual([triage.spanContext().spanId]);
    expect(only(all, `execute_tool ${HANDOFF_TOOL}`).attributes["cortex.tool.plugin"]).toBe("cortex");
  });

  it("puts a handed-off run under the run that handed off when there is no orchestration", async () => {
    const { engine, spans } = setup(
      [
        { toolCalls: [{ id: "h1", name: HANDOFF_TOOL, arguments: { agent: "helper", message: "yours" } }] },
        answer("done"),
      ],
      {
        agents: [
          { id: "triage", instructions: "Triage.", handoffs: ["helper"], tools: [] },
          { id: "helper", instructions: "Help.", tools: [] },
        ],
      },
    );
    await engine.run("triage", "x");
    const all = spans();
    expect(parentOf(only(all, "invoke_agent helper"))).toBe(only(all, "invoke_agent triage").spanContext().spanId);
  });

  it("adds persona, behavior and phase events to the run span", async () => {
    const { engine, spans } = setup([answer("hello")], {
      agents: [{ id: "assistant", persona: "helper", tools: [] }],
      engine: {
        personas: [
          {
            name: "helper",
            behaviors: [
              { name: "greet", trigger: { on: "input", pattern: "hi" }, action: { type: "switchPhase", phase: "act" } },
            ],
            cognition: { initial: "think", phases: [{ name: "think" }, { name: "act" }] },
          },
        ],
      },
    });
    const result = await engine.run("assistant", "hi there");
    expect(result.status).toBe("completed");
    const run = only(spans(), "invoke_agent assistant");
    expect(run.events.map((event) => [event.name, event.attributes])).toEqual([
      ["cortex.persona.resolved", { "cortex.persona.name": "helper" }],
      ["cortex.behavior.triggered", { "cortex.behavior.name": "greet" }],
      ["cortex.phase.changed", { "cortex.phase.from": "think", "cortex.phase.to": "act" }],
    ]);
  });
});

/** A durable store that can put a run back as it was last saved mid-run, as a process that crashed leaves it. */
class CrashableStore extends MemoryRunStore {
  readonly durable = true as const;
  readonly #midRun = new Map<string, string>();
  override save(state: RunState): Promise<void> {
    if (state.status === "running") this.#midRun.set(state.runId, JSON.stringify(state));
    return super.save(state);
  }
  crash(runId: string): Promise<void> {
    return super.save(JSON.parse(this.#midRun.get(runId)!) as RunState);
  }
}

describe("OpenTelemetryExtension and a run continued after a crash", () => {
  it("traces the continued run: a new invoke_agent span marked cortex.run.continued, over its chat and tool spans", async () => {
    const store = new CrashableStore();
    const { engine, spans } = setup([call("notes__add", { text: "a" }, "c1"), answer("first"), answer("again")], {
      engine: { runStore: store },
    });
    await engine.run("assistant", "add", { runId: "run-c" });
    const before = spans().length;
    await store.crash("run-c");
    expect(await engine.continueRun("run-c")).toMatchObject({ status: "completed", output: "again" });
    const after = spans().slice(before);
    expect(names(after)).toEqual(["execute_tool notes__add", "chat scripted-1", "invoke_agent assistant"]);
    const continued = only(after, "invoke_agent assistant");
    expect(continued.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.id": "assistant",
      "cortex.run.id": "run-c",
      "cortex.run.continued": true,
      "cortex.run.status": "completed",
    });
    // No context is kept with a running run's progress: the continued run starts a trace of its own.
    expect(parentOf(continued)).toBeUndefined();
    for (const child of after.slice(0, 2)) expect(parentOf(child)).toBe(continued.spanContext().spanId);
  });
});
