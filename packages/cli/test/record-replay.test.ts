import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEngine, HANDOFF_TOOL, JsonFileRunStore, type AgentDefinition, type ModelClient } from "@cortex/core";
import type { Extension } from "@cortex/hooks";
import {
  ActionTier,
  PluginHealthStatus,
  PluginRegistry,
  silentLogger,
  type Plugin,
  type PluginActionInfo,
  type PluginResult,
} from "@cortex/plugins";
import { FakeBroker, readRecording, replay, RunRecorder, ScriptedModel, type Recording } from "@cortex/testing";
import { describe, expect, it } from "vitest";

const API_KEY = "sk-record-0123456789";

/** A notes plugin whose `publish` is CONFIRM; `changes` alter its schema or tier for the replay. */
class NotesPlugin implements Plugin {
  readonly name = "notes";
  readonly version = "1.0.0";
  readonly description = "Keeps notes";
  constructor(private readonly changes: { textType?: string; publishTier?: ActionTier } = {}) {}
  async setup(broker: { get(key: string): Promise<string> }): Promise<void> {
    await broker.get("notes_api_key");
  }
  teardown(): Promise<void> {
    return Promise.resolve();
  }
  listActions(): PluginActionInfo[] {
    const text = {
      type: "object",
      properties: { text: { type: this.changes.textType ?? "string" } },
      required: ["text"],
    };
    return [
      { name: "add", description: "Add a note", tier: ActionTier.AUTO, parameters: text },
      {
        name: "publish",
        description: "Publish",
        tier: this.changes.publishTier ?? ActionTier.CONFIRM,
        parameters: text,
      },
    ];
  }
  executeAction(action: string, params: Record<string, unknown>): Promise<PluginResult> {
    return Promise.resolve({ success: true, data: { [action]: params.text, token: API_KEY } });
  }
  health() {
    return Promise.resolve({ plugin: this.name, status: PluginHealthStatus.HEALTHY });
  }
}

const agents = (triageInstructions = "Send note work to the notes agent."): AgentDefinition[] => [
  { id: "triage", instructions: triageInstructions, handoffs: ["scribe"], tools: [] },
  { id: "scribe", instructions: "You keep notes.", tools: ["notes__*"] },
];

/** The scripted answers of the recorded run: triage hands off; scribe adds, publishes (paused), then answers. */
const script = () => [
  { toolCalls: [{ id: "h1", name: HANDOFF_TOOL, arguments: { agent: "scribe", message: "add and publish milk" } }] },
  {
    toolCalls: [{ id: "c1", name: "notes__add", arguments: { text: "milk" } }],
    usage: { inputTokens: 5, outputTokens: 1 },
  },
  { toolCalls: [{ id: "c2", name: "notes__publish", arguments: { text: "milk" } }] },
  { content: "Added and published milk." },
];

/** The engine of the recorded run, with the model, plugin wrapper, extension and agents given. */
function engineWith(options: {
  model: ModelClient;
  plugin: (plugin: Plugin) => Plugin;
  extension: Extension;
  agents: AgentDefinition[];
  dir: string;
  notes?: NotesPlugin;
}) {
  const registry = new PluginRegistry({ broker: new FakeBroker({ notes_api_key: API_KEY }), logger: silentLogger });
  registry.register(options.plugin(options.notes ?? new NotesPlugin()));
  return createEngine({
    model: options.model,
    plugins: registry,
    extensions: [options.extension],
    agents: options.agents,
    runStore: new JsonFileRunStore(options.dir),
    logger: silentLogger,
  });
}

/** Records the run (handoff, then a checkpoint approved) to a file and reads it back. */
async function record(): Promise<{ recording: Recording; file: string; text: string }> {
  const dir = await mkdtemp(join(tmpdir(), "cortex-record-"));
  const recorder = new RunRecorder({ secrets: [API_KEY] });
  const engine = engineWith({
    model: recorder.model(new ScriptedModel(script())),
    plugin: (p) => p,
    extension: recorder.extension,
    agents: agents(),
    dir,
  });
  const paused = await engine.run("triage", "please note milk", { sessionId: "s-1" });
  expect(paused.status).toBe("awaiting_approval");
  const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true, decidedBy: "ana" });
  expect(done).toMatchObject({ status: "completed", output: "Added and published milk." });
  await engine.shutdown();
  const file = join(dir, "run.json");
  await recorder.save(file);
  const text = await readFile(file, "utf8");
  return { recording: readRecording(text), file, text };
}

async function replayWith(recording: Recording, change: { instructions?: string; notes?: NotesPlugin } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "cortex-replay-"));
  return replay(recording, {
    setup: ({ model, extension, plugin }) =>
      engineWith({
        model,
        plugin,
        extension,
        agents: agents(change.instructions),
        dir,
        ...(change.notes ? { notes: change.notes } : {}),
      }),
  });
}

describe("record and replay of a real engine run", () => {
  it("records model calls, tool results, the decision and every event, in the documented format, secrets redacted", async () => {
    const { recording, text } = await record();
    expect(text).not.toContain(API_KEY);
    expect(recording).toMatchObject({ format: "cortex-recording", version: 1 });
    expect(recording.entry).toEqual({ agentId: "triage", input: "please note milk", sessionId: "s-1" });
    expect(recording.runs.map((run) => run.agentId)).toEqual(["triage", "scribe"]);
    expect(recording.modelCalls.map((call) => [call.run, call.agentId, call.stepIndex])).toEqual([
      [0, "triage", 0],
      [1, "scribe", 0],
      [1, "scribe", 1],
      [1, "scribe", 2],
    ]);
    expect(recording.decisions).toEqual([
      { run: 1, toolName: "notes__publish", decision: { approved: true, decidedBy: "ana" } },
    ]);
    expect(recording.toolResults.map((r) => [r.toolName, r.toolCallId])).toEqual([
      [HANDOFF_TOOL, "h1"],
      ["notes__add", "c1"],
      ["notes__publish", "c2"],
    ]);
    expect(recording.toolResults[1]!.result).toEqual({ success: true, data: { add: "milk", token: "[REDACTED]" } });
    const seqs = recording.events.filter((e) => e.run === 1).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(recording.events.some((e) => e.hook === "checkpointCreated")).toBe(true);
    expect(recording.events.some((e) => e.hook === "agentHandoff")).toBe(true);
  });

  it("replays the unchanged setup with no divergence", async () => {
    const { recording } = await record();
    const report = await replayWith(recording);
    expect(report.divergences).toEqual([]);
    expect(report).toMatchObject({ ok: true, counts: { modelCalls: 4, toolCalls: 2 } });
    expect(report.counts.events).toBe(recording.events.length);
  });

  it("reports a changed agent instruction as the first model request that differs, with the path and both texts", async () => {
    const { recording } = await record();
    const report = await replayWith(recording, { instructions: "Send everything to the notes agent." });
    expect(report.ok).toBe(false);
    expect(report.divergence).toMatchObject({
      kind: "model-request",
      run: 0,
      agentId: "triage",
      stepIndex: 0,
      path: "messages[0].content",
    });
    expect(String(report.divergence!.expected)).toContain("Send note work to the notes agent.");
    expect(String(report.divergence!.actual)).toContain("Send everything to the notes agent.");
    expect(report.divergence!.message).toMatch(
      /^run 0 \(agent "triage"\), model call at step 0: the messages differ at messages\[0\]\.content/,
    );
  });

  it("reports a changed plugin schema as the tools offered to the first model call that sees them", async () => {
    const { recording } = await record();
    const report = await replayWith(recording, { notes: new NotesPlugin({ textType: "number" }) });
    expect(report.divergence).toMatchObject({
      kind: "model-request",
      run: 1,
      agentId: "scribe",
      stepIndex: 0,
      expected: "string",
      actual: "number",
    });
    expect(report.divergence!.path).toMatch(/^tools\[\d\]\.parameters\.properties\.text\.type$/);
    expect(report.divergence!.message).toContain("the tools offered differ");
  });

  it("reports a changed tier: first the tool description the model sees, then the call that no longer pauses", async () => {
    const { recording } = await record();
    const report = await replayWith(recording, { notes: new NotesPlugin({ publishTier: ActionTier.AUTO }) });
    expect(report.divergence).toMatchObject({
      kind: "model-request",
      run: 1,
      stepIndex: 0,
      path: "tools[1].description",
      expected: "Publish (tier CONFIRM: needs approval)",
      actual: "Publish (runs at once)",
    });
    const tier = report.divergences.find((d) => d.kind === "tier");
    const paused = recording.events.find((e) => e.hook === "checkpointCreated")!;
    expect(tier).toMatchObject({ run: 1, seq: paused.seq, expected: "checkpointCreated", actual: "toolCompleted" });
    expect(tier!.message).toBe(
      `run 1 (agent "scribe"): at seq ${paused.seq} the recording has checkpointCreated, the replay toolCompleted`,
    );
  });
});
