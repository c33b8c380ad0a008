import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonFileRunStore, type EngineOptions } from "@cortex/core";
import type { ModelRequest } from "@cortex/primitives";
import { ROOT_CONTEXT, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { OrchestrationSpans } from "../src/orchestration-spans.js";
import { RunTrace } from "../src/run-trace.js";
import { answer, call, names, only, parentOf, resumeInChild, setup, telemetry } from "./support.js";

const agents = [
  { id: "assistant", tools: ["notes__*"] },
  { id: "reviewer", tools: [] },
];
const sequential = { strategy: "sequential" as const, agents: ["assistant", "reviewer"] };

/** An orchestration of assistant then reviewer, paused at the assistant's publish call. */
async function pausedOrchestration(engine?: Partial<EngineOptions>) {
  const t = setup([call("notes__publish", { text: "x" }, "c1"), answer("published"), answer("reviewed")], {
    agents,
    ...(engine ? { engine } : {}),
  });
  const paused = await t.engine.orchestrate(sequential, "go");
  expect(paused.status).toBe("awaiting_approval");
  return { ...t, paused };
}

const startMs = (span: ReadableSpan) => span.startTime[0] * 1000 + span.startTime[1] / 1e6;

describe("OpenTelemetryExtension and orchestrations that pause", () => {
  it("ends the orchestration's span when it pauses; its later runs and its end go on in its trace", async () => {
    const { engine, spans, paused } = await pausedOrchestration();
    const workflow = only(spans(), "invoke_workflow sequential");
    expect(workflow.attributes).toMatchObject({
      "cortex.orchestration.id": paused.orchestrationId,
      "cortex.orchestration.status": "awaiting_approval",
      "cortex.ended_by": "paused",
    });
    const pausedRun = only(spans(), "invoke_agent assistant");
    expect(parentOf(pausedRun)).toBe(workflow.spanContext().spanId);
    const before = spans().length;

    const resumedAt = Date.now();
    const done = await engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    expect(done.orchestration?.status).toBe("completed");
    const after = spans().slice(before);
    const traceId = workflow.spanContext().traceId;
    for (const span of after) expect(span.spanContext().traceId).toBe(traceId);
    const resumed = only(after, "invoke_agent assistant");
    expect(parentOf(resumed)).toBe(pausedRun.spanContext().spanId);
    expect(resumed.attributes["cortex.orchestration.id"]).toBe(paused.orchestrationId);
    const reviewer = only(after, "invoke_agent reviewer");
    expect(parentOf(reviewer)).toBe(workflow.spanContext().spanId);
    const rest = only(after, "invoke_workflow sequential");
    expect(parentOf(rest)).toBe(workflow.spanContext().spanId);
    expect(rest.attributes).toMatchObject({
      "cortex.orchestration.id": paused.orchestrationId,
      "cortex.orchestration.resumed": true,
      "cortex.orchestration.status": "completed",
    });
    expect(rest.status.code).toBe(SpanStatusCode.UNSET);
    expect(startMs(rest)).toBeGreaterThanOrEqual(resumedAt - 1);
    expect(rest.events.map((event) => event.attributes)).toEqual([
      { "cortex.handoff.from": "assistant", "cortex.handoff.to": "reviewer" },
    ]);
  });

  it("gives each stretch of an orchestration between a resume and its next pause or its end a span", async () => {
    const { engine, spans } = setup(
      [
        call("notes__publish", { text: "x" }, "c1"),
        answer("published"),
        call("notes__publish", { text: "y" }, "c2"),
        answer("reviewed"),
      ],
      { agents: [agents[0]!, { id: "reviewer", tools: ["notes__*"] }] },
    );
    const first = await engine.orchestrate(sequential, "go");
    const second = await engine.resolveCheckpoint(first.checkpoints[0]!.id, { approved: true });
    expect(second.orchestration?.status).toBe("awaiting_approval");
    const secondResumedAt = Date.now();
    const done = await engine.resolveCheckpoint(second.orchestration!.checkpoints[0]!.id, { approved: true });
    expect(done.orchestration?.status).toBe("completed");
    const workflows = spans().filter((span) => span.name === "invoke_workflow sequential");
    expect(workflows.map((span) => span.attributes["cortex.orchestration.status"])).toEqual([
      "awaiting_approval",
      "awaiting_approval",
      "completed",
    ]);
    const [started, paused, ended] = workflows;
    for (const rest of [paused!, ended!]) {
      expect(parentOf(rest)).toBe(started!.spanContext().spanId);
      expect(rest.attributes["cortex.orchestration.resumed"]).toBe(true);
    }
    expect(paused!.attributes["cortex.ended_by"]).toBe("paused");
    expect(paused!.events.map((event) => event.attributes)).toEqual([
      { "cortex.handoff.from": "assistant", "cortex.handoff.to": "reviewer" },
    ]);
    expect(ended!.events).toEqual([]);
    expect(startMs(ended!)).toBeGreaterThanOrEqual(secondResumedAt - 1);
  });

  it("continues the orchestration's trace in the process that resumes it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-otel-orchestration-"));
    const { spans, paused } = await pausedOrchestration({ runStore: new JsonFileRunStore(dir) });
    const workflow = only(spans(), "invoke_workflow sequential");
    expect(workflow.attributes["cortex.ended_by"]).toBe("paused");
    const pausedRun = only(spans(), "invoke_agent assistant");

    const child = await resumeInChild("orchestration", dir, paused.checkpoints[0]!.id);
    expect(child).toMatchObject({ status: "completed", orchestration: "completed" });
    const byName = (name: string) => child.spans.find((span) => span.name === name)!;
    for (const span of child.spans) expect(span.traceId).toBe(workflow.spanContext().traceId);
    expect(byName("invoke_agent assistant").parent).toBe(pausedRun.spanContext().spanId);
    expect(byName("invoke_agent reviewer").parent).toBe(workflow.spanContext().spanId);
    const rest = byName("invoke_workflow sequential");
    expect(rest.parent).toBe(workflow.spanContext().spanId);
    expect(rest.attributes).toMatchObject({
      "cortex.orchestration.resumed": true,
      "cortex.orchestration.status": "completed",
    });
    expect(rest.events).toEqual([
      {
        name: "cortex.agent.handoff",
        attributes: { "cortex.handoff.from": "assistant", "cortex.handoff.to": "reviewer" },
      },
    ]);
  }, 60_000);

  it("ends a parallel orchestration's span once none of its runs is left running, not at the first pause", async () => {
    let release: () => void = () => undefined;
    const step = (request: ModelRequest) =>
      request.agentId === "assistant"
        ? Promise.resolve(call("notes__publish", { text: "x" }, "c1") as never)
        : new Promise<never>((resolve) => {
            release = () => resolve(answer("reviewed") as never);
          });
    const { engine, spans } = setup([step], { agents, perRun: true });
    const orchestrating = engine.orchestrate({ strategy: "parallel", agents: ["assistant", "reviewer"] }, "go");
    await expect.poll(() => spans().some((span) => span.name === "invoke_agent assistant")).toBe(true);
    expect(spans().some((span) => span.name === "invoke_workflow parallel")).toBe(false);
    release();
    expect((await orchestrating).status).toBe("awaiting_approval");
    const all = spans();
    expect(only(all, "invoke_workflow parallel").attributes["cortex.orchestration.status"]).toBe("awaiting_approval");
    // Spans are exported as they end.
    expect(names(all).slice(-2)).toEqual(["invoke_agent reviewer", "invoke_workflow parallel"]);
  });
});

describe("OrchestrationSpans", () => {
  it("remembers a bounded number of orchestrations that paused here, the most recent ones", () => {
    const { tracerProvider, spans } = telemetry();
    const tracer = tracerProvider.getTracer("test");
    const runs = new Map<string, RunTrace>();
    const orchestrations = new OrchestrationSpans(tracer, "p", runs, 2);
    for (const id of ["o1", "o2", "o3"]) {
      orchestrations.started({ orchestrationId: id, strategy: "sequential" });
      const span = tracer.startSpan("invoke_agent");
      const run = new RunTrace(span, trace.setSpan(ROOT_CONTEXT, span), "assistant");
      run.orchestrationId = id;
      span.end();
      orchestrations.runEnded(run, `run-${id}`, true);
    }
    expect(spans().filter((span) => span.name === "invoke_workflow sequential")).toHaveLength(3);
    expect(orchestrations.contextOf("o1")).toBeUndefined();
    for (const id of ["o2", "o3"]) expect(orchestrations.save(id)).toMatchObject({ id, strategy: "sequential" });
  });
});
