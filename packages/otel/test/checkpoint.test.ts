import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonFileRunStore } from "@cortex/core";
import { SpanStatusCode } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { answer, call, names, only, parentOf, resumeInChild, setup } from "./support.js";

describe("OpenTelemetryExtension at checkpoints", () => {
  it("shows an inline approver's wait as an await_approval span under the tool span, with the decision", async () => {
    const { engine, spans } = setup([call("notes__publish", { text: "x" }, "c1"), answer("ok")], {
      engine: { approver: () => ({ approved: true, decidedBy: "ana" }) },
    });
    await engine.run("assistant", "publish");
    const all = spans();
    const tool = only(all, "execute_tool notes__publish");
    const wait = only(all, "await_approval notes__publish");
    expect(parentOf(wait)).toBe(tool.spanContext().spanId);
    expect(wait.attributes).toMatchObject({ "cortex.approval.approved": true, "cortex.approval.decided_by": "ana" });
    expect(tool.attributes).toMatchObject({
      "cortex.tool.tier": "CONFIRM",
      "cortex.approval.approved": true,
      "cortex.checkpoint.id": expect.any(String) as unknown,
    });
    expect(tool.events.map((event) => event.name)).toEqual(["cortex.checkpoint.created"]);
  });

  it("ends the run's spans when it pauses, and continues the trace under the paused run when it resumes", async () => {
    const { engine, spans } = setup([call("notes__publish", { text: "x" }, "c1"), answer("ok")]);
    const paused = await engine.run("assistant", "publish");
    expect(paused.status).toBe("awaiting_approval");
    const before = spans();
    expect(names(before)).toEqual(["chat scripted-1", "execute_tool notes__publish", "invoke_agent assistant"]);
    const first = only(before, "invoke_agent assistant");
    expect(first.attributes["cortex.run.status"]).toBe("awaiting_approval");
    expect(only(before, "execute_tool notes__publish").attributes["cortex.ended_by"]).toBe("paused");

    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: false, reason: "no" });
    expect(done.status).toBe("completed");
    const after = spans().slice(before.length);
    const resumed = after.find((span) => span.name === "invoke_agent assistant")!;
    expect(parentOf(resumed)).toBe(first.spanContext().spanId);
    expect(resumed.spanContext().traceId).toBe(first.spanContext().traceId);
    expect(resumed.attributes).toMatchObject({ "cortex.run.resumed": true, "cortex.run.status": "completed" });
    const wait = after.find((span) => span.name === "await_approval notes__publish")!;
    expect(parentOf(wait)).toBe(resumed.spanContext().spanId);
    expect(wait.attributes).toMatchObject({ "cortex.approval.approved": false, "cortex.approval.reason": "no" });
    const denied = after.find((span) => span.name === "execute_tool notes__publish")!;
    expect(denied.status.code).toBe(SpanStatusCode.ERROR);
    expect(denied.attributes["gen_ai.tool.call.id"]).toBe("c1");
  });

  it("continues the trace in another process: the resumed run is a child of the paused run's span", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-otel-resume-"));
    const { engine, spans } = setup([call("notes__publish", { text: "x" }, "c1")], {
      engine: { runStore: new JsonFileRunStore(dir) },
    });
    const paused = await engine.run("assistant", "publish");
    const first = only(spans(), "invoke_agent assistant");
    await new Promise((resolve) => setTimeout(resolve, 30));
    const child = await resumeInChild("run", dir, paused.checkpoint!.id);
    expect(child.status).toBe("completed");
    const byName = (name: string) => child.spans.find((span) => span.name === name)!;
    const resumed = byName("invoke_agent assistant");
    expect(resumed.traceId).toBe(first.spanContext().traceId);
    expect(resumed.parent).toBe(first.spanContext().spanId);
    expect(resumed.attributes["cortex.run.resumed"]).toBe(true);
    const wait = byName("await_approval notes__publish");
    expect(wait.parent).toBe(resumed.spanId);
    expect(wait.attributes["cortex.approval.decided_by"]).toBe("second process");
    expect(Number(wait.attributes["cortex.checkpoint.wait_ms"])).toBeGreaterThanOrEqual(30);
    expect(wait.endMs - wait.startMs).toBeGreaterThanOrEqual(30);
    const tool = byName("execute_tool notes__publish");
    expect(tool.parent).toBe(resumed.spanId);
    expect(tool.attributes["gen_ai.tool.call.id"]).toBe("c1");
    expect(byName("chat scripted-1").parent).toBe(resumed.spanId);
  }, 60_000);
});
