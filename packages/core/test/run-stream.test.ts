import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScriptedModel } from "@cortex/testing";
import { describe, expect, it } from "vitest";
import {
  AgentNotFoundError,
  JsonFileRunStore,
  JsonFileSessionStore,
  type RunStream,
  type RunStreamEvent,
} from "../src/index.js";
import { call, setup, sleep } from "./support.js";

const usage = { inputTokens: 10, outputTokens: 4 };

async function read(stream: RunStream): Promise<RunStreamEvent[]> {
  const events: RunStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The events without the fields that differ from run to run, to compare orders and contents. */
const shape = (events: RunStreamEvent[]) =>
  events.map((e) => {
    if (e.type === "text-delta") return `${e.type}:${e.text}`;
    if (e.type === "tool-call" || e.type === "tool-result") return `${e.type}:${e.toolCallId}`;
    if (e.type === "finish") return `finish:${e.result.status}`;
    return e.type;
  });

describe("engine.stream", () => {
  it("yields the run's events in order, text as the model streams it, and last finish with run's result", async () => {
    const { engine, recorder } = setup([
      call("notes__add", { text: "milk" }, "c1"),
      {
        stream: [
          { type: "text-delta", text: "Added " },
          { type: "text-delta", text: "milk." },
          { type: "finish", usage, finishReason: "stop" },
        ],
      },
    ]);
    const events = await read(engine.stream("assistant", "remember milk"));
    expect(shape(events)).toEqual([
      "run-start",
      "step-start",
      "tool-call:c1",
      "tool-result:c1",
      "step-finish",
      "step-start",
      "text-delta:Added ",
      "text-delta:milk.",
      "step-finish",
      "finish:completed",
    ]);
    const finish = events.at(-1) as Extract<RunStreamEvent, { type: "finish" }>;
    expect(finish.result).toMatchObject({ status: "completed", output: "Added milk.", steps: 2, usage });
    expect(events[0]).toEqual({ type: "run-start", runId: finish.result.runId, agentId: "assistant", resumed: false });
    expect(events[2]).toEqual({
      type: "tool-call",
      runId: finish.result.runId,
      toolCallId: "c1",
      toolName: "notes__add",
      args: { text: "milk" },
    });
    expect(events[3]).toMatchObject({ type: "tool-result", ok: true, data: { count: 1 } });
    expect(events[8]).toEqual({
      type: "step-finish",
      runId: finish.result.runId,
      stepIndex: 1,
      usage,
      finishReason: "stop",
    });
    expect(recorder.hooks().at(-1)).toBe("runCompleted");
  });

  it("falls back to generate for a model without stream: one text delta per step", async () => {
    const model = new ScriptedModel([{ content: "Hello there", usage }], { streaming: false });
    const { engine } = setup([], { model });
    const events = await read(engine.stream("assistant", "hi"));
    expect(shape(events)).toEqual([
      "run-start",
      "step-start",
      "text-delta:Hello there",
      "step-finish",
      "finish:completed",
    ]);
    expect((events.at(-1) as Extract<RunStreamEvent, { type: "finish" }>).result.usage).toEqual(usage);
  });

  it("ends the run like an abort when the reader breaks, and returns once the run has ended", async () => {
    const { engine, recorder } = setup([
      {
        stream: [{ type: "text-delta", text: "one" }, { type: "text-delta", text: "two" }, { type: "finish" }],
        partDelayMs: 20,
      },
    ]);
    const stream = engine.stream("assistant", "talk");
    const seen: RunStreamEvent[] = [];
    for await (const event of stream) {
      seen.push(event);
      if (event.type === "text-delta") break;
    }
    expect(shape(seen)).toEqual(["run-start", "step-start", "text-delta:one"]);
    expect(await stream.result).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect((await stream.result).error!.message).toMatch(/reader stopped/);
    expect(recorder.hooks()).toEqual(["runStarted", "stepStarted", "modelCalled", "modelFailed", "runFailed"]);
  });

  it("ends with finish (failed, aborted) when the caller's signal aborts", async () => {
    const { engine } = setup([{ stream: [{ type: "text-delta", text: "a" }, { type: "finish" }], partDelayMs: 50 }]);
    const controller = new AbortController();
    const stream = engine.stream("assistant", "x", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user pressed stop")), 10);
    const events = await read(stream);
    expect(shape(events).at(-1)).toBe("finish:failed");
    expect((events.at(-1) as Extract<RunStreamEvent, { type: "finish" }>).result.error).toMatchObject({
      code: "CORTEX_RUN_ABORTED",
      message: "The run was aborted: user pressed stop",
    });
  });

  it("never waits for a slow reader: the run finishes, and text that waited is merged into one delta per step", async () => {
    const deltas = Array.from({ length: 500 }, (_, i) => ({ type: "text-delta" as const, text: `${i % 10}` }));
    const { engine } = setup([call("notes__list", {}, "c1"), { stream: [...deltas, { type: "finish" as const }] }]);
    const stream = engine.stream("assistant", "x");
    const result = await stream.result; // nothing read yet
    expect(result).toMatchObject({ status: "completed", output: deltas.map((d) => d.text).join("") });
    const events = await read(stream);
    expect(shape(events).map((e) => e.split(":")[0])).toEqual([
      "run-start",
      "step-start",
      "tool-call",
      "tool-result",
      "step-finish",
      "step-start",
      "text-delta",
      "step-finish",
      "finish",
    ]);
    expect((events[6] as { text: string }).text).toBe(result.output);
  });

  it("does not keep a run that nobody reads from pausing at a checkpoint", async () => {
    const { engine } = setup([call("notes__publish", { text: "hi" })]);
    const stream = engine.stream("assistant", "publish");
    expect(await stream.result).toMatchObject({ status: "awaiting_approval" });
  });

  it("pauses at a checkpoint (checkpoint, then finish) and streams the resumed run in another engine", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-stream-"));
    const stores = () => ({ runStore: new JsonFileRunStore(dir), sessionStore: new JsonFileSessionStore(dir) });
    const first = setup([{ ...call("notes__publish", { text: "hi" }, "c1"), usage }], stores());
    const paused = await read(first.engine.stream("assistant", "publish hi", { sessionId: "chat" }));
    expect(shape(paused)).toEqual([
      "run-start",
      "step-start",
      "tool-call:c1",
      "checkpoint",
      "finish:awaiting_approval",
    ]);
    const { checkpoint } = paused[3] as Extract<RunStreamEvent, { type: "checkpoint" }>;
    expect(checkpoint).toMatchObject({ toolName: "notes__publish", args: { text: "hi" } });

    const second = setup(
      [
        {
          stream: [
            { type: "text-delta", text: "Published." },
            { type: "finish", usage },
          ],
        },
      ],
      stores(),
    );
    const resumed = await read(second.engine.resolveCheckpointStream(checkpoint.id, { approved: true }));
    expect(shape(resumed)).toEqual([
      "run-start",
      "tool-result:c1",
      "step-finish",
      "step-start",
      "text-delta:Published.",
      "step-finish",
      "finish:completed",
    ]);
    expect(resumed[0]).toMatchObject({ resumed: true, sessionId: "chat", runId: checkpoint.runId });
    const { result } = resumed.at(-1) as Extract<RunStreamEvent, { type: "finish" }>;
    expect(result.usage).toEqual({ inputTokens: 20, outputTokens: 8 });
    expect((await second.engine.getSession("chat"))!.messages.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
    expect(second.recorder.seqs(checkpoint.runId)[0]).toBe(first.recorder.seqs(checkpoint.runId).at(-1)! + 1);
  });

  it("follows a handoff: the next run's events follow its own run-start", async () => {
    const { engine } = setup(
      [call("cortex__handoff", { agent: "billing", message: "refund" }, "h1"), { content: "Refunded." }],
      { agent: { handoffs: ["billing"] } },
    );
    engine.defineAgent({ id: "billing", tools: [] });
    const events = await read(engine.stream("assistant", "refund please"));
    expect(shape(events)).toEqual([
      "run-start",
      "step-start",
      "tool-call:h1",
      "tool-result:h1",
      "step-finish",
      "run-start",
      "step-start",
      "text-delta:Refunded.",
      "step-finish",
      "finish:completed",
    ]);
    expect(events[5]).toMatchObject({ agentId: "billing" });
  });

  it("ends the run a handoff started when the reader breaks in it", async () => {
    const { engine } = setup(
      [
        call("cortex__handoff", { agent: "billing", message: "refund" }, "h1"),
        {
          stream: [
            { type: "text-delta", text: "Refun" },
            { type: "text-delta", text: "ded." },
          ],
          partDelayMs: 20,
        },
      ],
      { agent: { handoffs: ["billing"] } },
    );
    engine.defineAgent({ id: "billing", tools: [] });
    const stream = engine.stream("assistant", "refund please");
    for await (const event of stream) if (event.type === "text-delta") break;
    expect(await stream.result).toMatchObject({ agentId: "billing", status: "failed" });
    expect((await stream.result).error).toMatchObject({ code: "CORTEX_RUN_ABORTED", message: /reader stopped/ });
  });

  it("ends a run the reader gave up on before it started, as soon as it starts", async () => {
    const sessions = new JsonFileSessionStore(await mkdtemp(join(tmpdir(), "cortex-sessions-")));
    const { engine, recorder } = setup([{ content: "never asked" }], { sessionStore: sessions });
    const stream = engine.stream("assistant", "x", { sessionId: "s1" });
    // The run is still taking its session: no event yet, and the reader stops.
    await stream[Symbol.asyncIterator]().return!();
    expect(await stream.result).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(recorder.hooks()).not.toContain("modelCalled");
  });

  it("rejects the iteration and result when the run cannot start, and is read once", async () => {
    const { engine } = setup([{ content: "x" }]);
    const missing = engine.stream("nobody", "x");
    await expect(read(missing)).rejects.toBeInstanceOf(AgentNotFoundError);
    await expect(missing.result).rejects.toBeInstanceOf(AgentNotFoundError);
    // A stream nobody reads that cannot start makes no unhandled rejection (vitest fails on one).
    engine.stream("nobody", "x");
    const once = engine.stream("assistant", "x");
    await read(once);
    expect(() => once[Symbol.asyncIterator]()).toThrow(/read once/);
    await sleep(10);
  });
});
