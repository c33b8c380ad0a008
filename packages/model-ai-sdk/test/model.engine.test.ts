import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createOpenAI } from "@ai-sdk/openai";
import { createEngine } from "@cortex/core";
import { PluginRegistry, silentLogger } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { aiSdkModel } from "../src/index.js";
import type { Answer } from "./support/answer.js";
import { Loopback, type Reply } from "./support/loopback.js";
import { anthropicJson } from "./support/wire-anthropic.js";
import { googleJson } from "./support/wire-google.js";
import { responsesJson, responsesSse } from "./support/wire-openai.js";

// A whole engine run through each real provider package: the model asks for
// a CONFIRM tool, the run pauses, and a second process (a fresh engine on
// the same JsonFileRunStore) approves it and finishes the run. The engine
// calls `generate` (engine.run); its conversation goes over the wire both times.
// engine.stream calls the adapter's `stream`: the provider's own event stream.

const run = promisify(execFile);
const fixture = join(import.meta.dirname, "fixtures", "engine-run.ts");

interface ChildResult {
  pid: number;
  result: { status: string; runId: string; output?: string; checkpoint?: { id: string } };
  published: unknown[];
  hooks: string[];
}

async function child(...args: string[]): Promise<ChildResult> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", fixture, ...args], { cwd: import.meta.dirname });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as ChildResult;
}

const CALL: Answer = { toolCalls: [{ id: "call_p", name: "notes__publish", args: { text: "from process one" } }] };
const DONE: Answer = { text: "published" };

const PROVIDERS: { name: string; json: (answer: Answer) => Reply; toolResult: (body: string) => boolean }[] = [
  {
    name: "openai",
    json: responsesJson,
    toolResult: (body) => body.includes('"type":"function_call_output","call_id":"call_p"'),
  },
  {
    name: "anthropic",
    json: anthropicJson,
    toolResult: (body) => body.includes('"type":"tool_result","tool_use_id":"call_p"'),
  },
  {
    name: "google",
    json: googleJson,
    toolResult: (body) => /"functionResponse":\{("id":"[^"]+",)?"name":"notes__publish"/.test(body),
  },
];

let server: Loopback;
let dir: string;

beforeEach(async () => {
  server = await Loopback.start();
  dir = await mkdtemp(join(tmpdir(), "cortex-ai-sdk-engine-"));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe("an engine run through aiSdkModel pauses at a CONFIRM call and resumes in another process", () => {
  for (const provider of PROVIDERS) {
    it(`with ${provider.name}`, async () => {
      server.reply(provider.json(CALL));
      const first = await child(provider.name, server.url, "pause", dir);
      expect(first.result.status).toBe("awaiting_approval");
      expect(first.published).toEqual([]);
      expect(first.hooks).toContain("checkpointCreated");

      server.reply(provider.json(DONE));
      const second = await child(provider.name, server.url, "resume", dir, first.result.checkpoint!.id);
      expect(second.pid).not.toBe(first.pid);
      expect(second.result).toMatchObject({ status: "completed", runId: first.result.runId, output: "published" });
      expect(second.published).toEqual([{ action: "publish", params: { text: "from process one" } }]);
      expect(second.hooks).toEqual(expect.arrayContaining(["checkpointResolved", "toolCompleted", "runCompleted"]));

      expect(server.received).toHaveLength(2);
      const resumed = JSON.stringify(server.received[1]!.body);
      expect(resumed).toContain("You publish notes.");
      expect(resumed).toContain("publish it");
      expect(resumed).toContain("from process one");
      expect(provider.toolResult(resumed), resumed).toBe(true);
      expect(resumed).toContain(
        JSON.stringify(JSON.stringify({ ok: true, data: { published: "from process one" } })).slice(1, -1),
      );
    }, 240_000);
  }
});

describe("engine.stream through aiSdkModel", () => {
  it("uses the adapter's stream: the provider's SSE deltas arrive as text-delta events, its usage in the result", async () => {
    const text = "Streamed through the AI SDK, piece by piece.";
    server.reply(responsesSse({ text, usage: { input: 21, output: 9 } }));
    const model = aiSdkModel(createOpenAI({ baseURL: server.url, apiKey: "sk-stream-test" })("gpt-4.1-mini"));
    const engine = createEngine({
      model,
      plugins: new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger }),
      agents: [{ id: "assistant", instructions: "Be brief.", tools: [] }],
      logger: silentLogger,
    });
    const deltas: string[] = [];
    let last: unknown;
    for await (const event of engine.stream("assistant", "Say something")) {
      if (event.type === "text-delta") deltas.push(event.text);
      last = event;
    }
    await engine.shutdown();
    // More than one delta: the answer was streamed, not fetched whole and announced once.
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(text);
    expect(last).toMatchObject({
      type: "finish",
      result: { status: "completed", output: text, usage: { inputTokens: 21, outputTokens: 9 } },
    });
    expect(server.received).toHaveLength(1);
    expect(server.lastBody()).toMatchObject({ stream: true });
  });
});
