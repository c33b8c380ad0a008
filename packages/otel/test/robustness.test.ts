import { trace, type Tracer, type TracerProvider } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { OpenTelemetryExtension } from "../src/index.js";
import { answer, call, names, only, setup } from "./support.js";

/** A tracer provider whose tracer throws on every span: the extension's hooks all fail. */
const throwingProvider: TracerProvider = {
  getTracer: (): Tracer => ({
    startSpan: () => {
      throw new Error("tracer broken");
    },
    startActiveSpan: () => {
      throw new Error("tracer broken");
    },
  }),
};

describe("OpenTelemetryExtension never affects a run", () => {
  it("a run completes the same when every hook of the extension throws", async () => {
    const { engine, registry } = setup([call("notes__add", { text: "a" }, "c1"), answer("done")]);
    const broken = new OpenTelemetryExtension({ name: "broken", tracerProvider: throwingProvider, plugins: registry });
    engine.hooks.register(broken);
    const result = await engine.run("assistant", "go");
    expect(result).toMatchObject({ status: "completed", output: "done" });
    expect(engine.hooks.errorCounts().byExtension.broken).toBeGreaterThan(0);
  });

  it("a run the engine cannot trace (no tracer configured) runs with the API's no-op tracer", async () => {
    const { engine } = setup([answer("hi")], { otel: { tracerProvider: trace.getTracerProvider() } });
    expect((await engine.run("assistant", "x")).status).toBe("completed");
  });
});

describe("OpenTelemetryExtension ends every span", () => {
  it("ends the spans of an aborted run, with error status", async () => {
    const controller = new AbortController();
    const { engine, spans } = setup([
      (request) =>
        new Promise((_, reject) => {
          request.signal.addEventListener("abort", () => reject(new Error("aborted")));
          controller.abort();
        }),
    ]);
    const result = await engine.run("assistant", "x", { signal: controller.signal });
    expect(result.status).toBe("failed");
    const all = spans();
    expect(names(all)).toEqual(["chat scripted-1", "invoke_agent assistant"]);
    expect(only(all, "invoke_agent assistant").attributes["error.type"]).toBe("CORTEX_RUN_ABORTED");
  });

  it("ends the spans of runs in flight at shutdown, a paused orchestration's as it pauses", async () => {
    let release: () => void = () => undefined;
    const { engine, spans } = setup(
      [
        call("notes__publish", { text: "x" }, "c1"),
        () =>
          new Promise((resolve) => {
            release = () => resolve({ content: "late" });
          }),
      ],
      {
        perRun: true,
        agents: [
          { id: "assistant", tools: ["notes__*"] },
          { id: "slow", tools: [] },
        ],
      },
    );
    const orchestration = await engine.orchestrate({ strategy: "sequential", agents: ["assistant"] }, "go");
    expect(orchestration.status).toBe("awaiting_approval");
    expect(only(spans(), "invoke_workflow sequential").attributes).toMatchObject({
      "cortex.ended_by": "paused",
      "cortex.orchestration.status": "awaiting_approval",
    });
    const slow = engine.run("slow", "wait");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const shutdown = engine.shutdown({ timeoutMs: 50 });
    const result = await slow;
    release();
    await shutdown;
    expect(result.status).toBe("failed");
    const all = spans();
    expect(only(all, "invoke_agent slow").attributes["cortex.run.status"]).toBe("failed");
    expect(only(all, "invoke_workflow sequential").attributes["cortex.ended_by"]).toBe("paused");
  });
});

describe("options", () => {
  it.each([
    [{ captureContent: "yes" }, "captureContent"],
    [{ model: "" }, "model"],
    [{ tracerProvider: {} }, "tracerProvider"],
    [{ meterProvider: 1 }, "meterProvider"],
    [{ plugins: {} }, "plugins"],
    [{ maxContentLength: 0 }, "maxContentLength"],
    [{ secrets: "sk" }, "secrets"],
    [{ sample: true }, "sample"],
  ])("refuses %j with CORTEX_INVALID_OPTIONS naming %s", (options, option) => {
    expect(() => new OpenTelemetryExtension(options as never)).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option }) as Error,
    );
  });

  it("cuts long content and marks it", async () => {
    const { engine, spans } = setup([answer("x".repeat(100))], {
      otel: { captureContent: true, maxContentLength: 40 },
    });
    await engine.run("assistant", "go");
    const output = String(only(spans(), "invoke_agent assistant").attributes["gen_ai.output.messages"]);
    expect(output).toHaveLength(40 + "…[truncated]".length);
    expect(output.endsWith("…[truncated]")).toBe(true);
  });
});
