import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mustRun,
  npmInstall,
  packedTarballs,
  removeProject,
  tarballOverrides,
  tempProject,
  type PackedName,
} from "./support/pack.js";

// @cortex/otel as users get it: its tarball installed by npm outside the
// workspace with the engine's tarballs, beside the OpenTelemetry API and SDK
// from the npm registry (the host brings the SDK; the package needs only the API).

const SCRIPT = `import { createEngine } from "@cortex/core";
import { ActionTier, MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";
import { ScriptedModel } from "@cortex/testing";
import { OpenTelemetryExtension } from "@cortex/otel";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const registry = new PluginRegistry({ broker: new MemoryBroker({}), logger: silentLogger });
registry.register({
  name: "notes", version: "1.0.0", description: "Notes",
  setup: async () => {}, teardown: async () => {},
  health: async () => ({ plugin: "notes", status: "HEALTHY" }),
  listActions: () => [{ name: "add", description: "Add", tier: ActionTier.AUTO }],
  executeAction: async () => ({ success: true, data: { ok: true } }),
});
const engine = createEngine({
  model: new ScriptedModel([
    { toolCalls: [{ id: "c1", name: "notes__add", arguments: {} }], usage: { inputTokens: 3, outputTokens: 1 } },
    { content: "done" },
  ]),
  plugins: registry,
  extensions: [new OpenTelemetryExtension({ tracerProvider, model: "scripted", provider: "e2e", plugins: registry })],
  agents: [{ id: "assistant", tools: ["notes__*"] }],
  logger: silentLogger,
});
const result = await engine.run("assistant", "add a note");
await engine.shutdown();
console.log(JSON.stringify({
  status: result.status,
  spans: exporter.getFinishedSpans().map((s) => ({ name: s.name, parent: s.parentSpanContext?.spanId, id: s.spanContext().spanId, attributes: s.attributes })),
}));
`;

const CJS_SCRIPT = `const { OpenTelemetryExtension, OTEL_DEFAULTS } = require("@cortex/otel");
console.log(JSON.stringify({ name: new OpenTelemetryExtension().name, provider: OTEL_DEFAULTS.provider }));
`;

const INSTALLED: PackedName[] = ["@cortex/core", "@cortex/plugins", "@cortex/testing", "@cortex/otel"];

let project: string | undefined;

beforeAll(async () => {
  const tarballs = await packedTarballs();
  project = await tempProject("cortex-e2e-otel-");
  const overrides = tarballOverrides(tarballs);
  const dependencies = {
    ...Object.fromEntries(INSTALLED.map((name) => [name, overrides[name]!])),
    "@opentelemetry/api": "~1.9.0",
    "@opentelemetry/sdk-trace-base": "~2.12.1",
  };
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "cortex-e2e-otel", private: true, type: "module", dependencies, overrides }, null, 2),
  );
  await npmInstall(project);
  await writeFile(join(project, "run.mjs"), SCRIPT);
  await writeFile(join(project, "run.cjs"), CJS_SCRIPT);
}, 600_000);

afterAll(() => removeProject(project));

describe("@cortex/otel from its tarball", () => {
  it("emits invoke_agent, chat and execute_tool spans through the host's SDK", async () => {
    const { stdout } = await mustRun(process.execPath, ["run.mjs"], { cwd: project! });
    const { status, spans } = JSON.parse(stdout) as {
      status: string;
      spans: { name: string; id: string; parent?: string; attributes: Record<string, unknown> }[];
    };
    expect(status).toBe("completed");
    expect(spans.map((span) => span.name)).toEqual([
      "chat scripted",
      "execute_tool notes__add",
      "chat scripted",
      "invoke_agent assistant",
    ]);
    const run = spans[3]!;
    expect(run.attributes).toMatchObject({ "gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "e2e" });
    for (const child of spans.slice(0, 3)) expect(child.parent).toBe(run.id);
    expect(spans[1]!.attributes).toMatchObject({ "gen_ai.tool.call.id": "c1", "cortex.tool.tier": "AUTO" });
  });

  it("loads through require() too", async () => {
    const { stdout } = await mustRun(process.execPath, ["run.cjs"], { cwd: project! });
    expect(JSON.parse(stdout)).toEqual({ name: "opentelemetry", provider: "_OTHER" });
  });
});
