import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { createEngine } from "@cortex/core";
import { PluginRegistry, silentLogger } from "@cortex/plugins";
import { FakeBroker, ScriptedModel } from "@cortex/testing";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import { OpenTelemetryExtension } from "../src/index.js";
import { answer, API_KEY, call, NotesPlugin } from "./support.js";

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: OtlpValue }[];
}
interface OtlpRequest {
  resourceSpans: { scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

/** An OTLP/HTTP receiver on 127.0.0.1 that keeps every decoded trace request. */
function receiver() {
  const received: { contentType: string | undefined; body: OtlpRequest }[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const text = Buffer.concat(chunks).toString("utf8");
        received.push({ contentType: request.headers["content-type"], body: JSON.parse(text) as OtlpRequest });
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  const listening = new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
  return { received, listening, close: () => new Promise((resolve) => server.close(resolve)) };
}

const value = (span: OtlpSpan, key: string): unknown => {
  const found = span.attributes.find((attribute) => attribute.key === key)?.value;
  return found?.stringValue ?? found?.intValue ?? found?.boolValue;
};

describe("export over OTLP/HTTP", () => {
  const server = receiver();
  afterAll(() => server.close());

  it("delivers the run's spans to a receiver on 127.0.0.1, where they decode with their GenAI attributes", async () => {
    const port = await server.listening;
    // The export is a request over loopback: its limit, and the flush's, are far above what it takes loaded.
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}/v1/traces`, timeoutMillis: 30_000 });
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
    const registry = new PluginRegistry({ broker: new FakeBroker({ notes_api_key: API_KEY }), logger: silentLogger });
    registry.register(new NotesPlugin());
    const engine = createEngine({
      model: new ScriptedModel([call("notes__add", { text: "a" }, "c1"), answer("done")]),
      plugins: registry,
      extensions: [new OpenTelemetryExtension({ tracerProvider, model: "scripted-1", provider: "openai" })],
      agents: [{ id: "assistant", tools: ["notes__*"] }],
      logger: silentLogger,
    });
    const result = await engine.run("assistant", "go");
    // Shutdown ends what is open and flushes the provider (the extension's shutdown hook calls forceFlush).
    await engine.shutdown({ flushTimeoutMs: 30_000 });

    expect(server.received.length).toBeGreaterThan(0);
    expect(server.received[0]!.contentType).toMatch(/application\/json/);
    const spans = server.received.flatMap((r) =>
      r.body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
    );
    expect(spans.map((span) => span.name).sort()).toEqual([
      "chat scripted-1",
      "chat scripted-1",
      "execute_tool notes__add",
      "invoke_agent assistant",
    ]);
    const run = spans.find((span) => span.name === "invoke_agent assistant")!;
    expect(value(run, "gen_ai.operation.name")).toBe("invoke_agent");
    expect(value(run, "gen_ai.provider.name")).toBe("openai");
    expect(value(run, "cortex.run.id")).toBe(result.runId);
    expect(Number(value(run, "gen_ai.usage.input_tokens"))).toBe(30);
    const tool = spans.find((span) => span.name === "execute_tool notes__add")!;
    expect(value(tool, "gen_ai.tool.call.id")).toBe("c1");
    expect(tool.parentSpanId).toBe(run.spanId);
    expect(tool.traceId).toBe(run.traceId);
    const scopes = server.received.flatMap((r) => r.body.resourceSpans.flatMap((x) => x.scopeSpans));
    expect(new Set(scopes.map((scope) => scope.scope.name))).toEqual(new Set(["@cortex/otel"]));
  });
});
