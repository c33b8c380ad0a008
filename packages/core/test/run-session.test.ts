import { describe, expect, it } from "vitest";
import { MemorySessionStore, SessionBusyError, type ModelMessage } from "../src/index.js";
import { autoPlugin, call, CrashableStore, registryWithSoft, setup, sleep } from "./support.js";

const user = (content: string): ModelMessage => ({ role: "user", content });
const assistant = (content: string): ModelMessage => ({ role: "assistant", content });

describe("sessions", () => {
  it("keep the conversation across runs: each run sees the history and adds its turn", async () => {
    const { engine, model } = setup([{ content: "Hello Ana." }, { content: "You are Ana." }]);
    const first = await engine.run("assistant", "I am Ana", { sessionId: "chat-1" });
    expect(first).toMatchObject({ status: "completed", sessionId: "chat-1" });
    const second = await engine.run("assistant", "Who am I?", { sessionId: "chat-1" });
    expect(second.output).toBe("You are Ana.");
    expect(model.requests[1]!.messages).toEqual([
      { role: "system", content: "You keep notes." },
      user("I am Ana"),
      assistant("Hello Ana."),
      user("Who am I?"),
    ]);
    const session = await engine.getSession("chat-1");
    expect(session).toMatchObject({
      id: "chat-1",
      version: 2,
      messages: [user("I am Ana"), assistant("Hello Ana."), user("Who am I?"), assistant("You are Ana.")],
    });
    expect(session!.lease).toBeUndefined();
  });

  it("keep tool calls and their results, and take input as a list of messages", async () => {
    const { engine, model } = setup([
      call("notes__add", { text: "milk" }, "c1"),
      { content: "Added." },
      { content: "1" },
    ]);
    await engine.run("assistant", [user("remember milk")], { sessionId: "s" });
    await engine.run("assistant", [{ role: "system", content: "Be terse." }, user("how many?")], { sessionId: "s" });
    expect(model.requests[2]!.messages.slice(1)).toEqual([
      user("remember milk"),
      { role: "assistant", toolCalls: [{ id: "c1", name: "notes__add", arguments: { text: "milk" } }] },
      { role: "tool", toolCallId: "c1", name: "notes__add", content: JSON.stringify({ ok: true, data: { count: 1 } }) },
      assistant("Added."),
      { role: "system", content: "Be terse." },
      user("how many?"),
    ]);
  });

  it("refuse a second run while one holds the session (also while it is paused), never interleaving them", async () => {
    const { engine, recorder } = setup(
      [call("notes__publish", { text: "hi" }, "c1"), { content: "published" }, { content: "next turn" }],
      { checkpointTtlMs: 60_000 },
    );
    const paused = await engine.run("assistant", "publish hi", { sessionId: "s" });
    expect(paused.status).toBe("awaiting_approval");
    // The paused turn is in the session already, and the session is held until the checkpoint expires.
    const during = await engine.getSession("s");
    expect(during!.messages).toEqual([
      user("publish hi"),
      { role: "assistant", toolCalls: [{ id: "c1", name: "notes__publish", arguments: { text: "hi" } }] },
    ]);
    expect(during!.lease).toEqual({ runId: paused.runId, expiresAt: Date.parse(paused.checkpoint!.expiresAt!) });
    const refused = await engine.run("assistant", "hello?", { sessionId: "s" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SessionBusyError);
    expect(refused).toMatchObject({ heldBy: paused.runId });
    expect(recorder.count("runStarted")).toBe(1);

    expect(await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true })).toMatchObject({
      status: "completed",
      sessionId: "s",
    });
    expect(await engine.run("assistant", "hello?", { sessionId: "s" })).toMatchObject({ output: "next turn" });
    expect((await engine.getSession("s"))!.messages.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
      "user",
      "assistant",
    ]);
  });

  it("let exactly one of two runs started at once on one session go", async () => {
    const { engine } = setup([{ content: "a" }, { content: "b" }]);
    const outcomes = await Promise.allSettled([
      engine.run("assistant", "one", { sessionId: "s" }),
      engine.run("assistant", "two", { sessionId: "s" }),
    ]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(outcomes.find((o) => o.status === "rejected")).toMatchObject({ reason: { code: "CORTEX_SESSION_BUSY" } });
    expect((await engine.getSession("s"))!.messages).toHaveLength(2);
  });

  it("close every call a failed run left without a result, so the conversation stays one a model accepts", async () => {
    const { registry } = registryWithSoft();
    const { engine } = setup(
      [
        {
          toolCalls: [
            { id: "w", name: "soft__wait", arguments: {} },
            { id: "a", name: "notes__add", arguments: { text: "x" } },
          ],
        },
      ],
      { plugins: registry },
    );
    const controller = new AbortController();
    const running = engine.run("assistant", "go", { sessionId: "s", signal: controller.signal });
    await sleep(20);
    controller.abort(new Error("user left"));
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    const { messages, lease } = (await engine.getSession("s"))!;
    expect(lease).toBeUndefined();
    expect(messages.map((m) => (m.role === "tool" ? `tool:${m.toolCallId}` : m.role))).toEqual([
      "user",
      "assistant",
      "tool:w",
      "tool:a",
    ]);
    const closing = JSON.parse((messages[3] as { content: string }).content) as { error: { code: string } };
    expect(closing.error.code).toBe("CORTEX_RUN_ABORTED");
  });

  it("fail a run whose session was deleted while it held it, with CORTEX_SESSION_CONFLICT", async () => {
    const sessions = new MemorySessionStore();
    const holder: { engine?: { deleteSession(id: string): Promise<void> } } = {};
    const { engine } = setup(
      [
        async () => {
          await holder.engine!.deleteSession("s");
          return { content: "too late" };
        },
      ],
      { sessionStore: sessions },
    );
    holder.engine = engine;
    const result = await engine.run("assistant", "hi", { sessionId: "s" });
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_SESSION_CONFLICT" } });
    expect(await engine.getSession("s")).toBeUndefined();
  });

  it("are taken back by a resumed run for a fresh lease, and released when it ends", async () => {
    const leases: (number | undefined)[] = [];
    const holder: { engine?: { getSession(id: string): Promise<{ lease?: { expiresAt?: number } } | undefined> } } = {};
    const { engine } = setup(
      [
        call("notes__publish", { text: "hi" }, "c1"),
        async () => {
          leases.push((await holder.engine!.getSession("s"))?.lease?.expiresAt);
          return { content: "published" };
        },
      ],
      // The checkpoint's lease (500 s) is more than half of a run's (600 s): only a retake renews it.
      { checkpointTtlMs: 500_000, sessionLeaseMs: 600_000 },
    );
    holder.engine = engine;
    const paused = await engine.run("assistant", "publish hi", { sessionId: "s" });
    const resumedAt = Date.now();
    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done).toMatchObject({ status: "completed", sessionId: "s" });
    expect(leases[0]).toBeGreaterThanOrEqual(resumedAt + 600_000);
    const session = (await engine.getSession("s"))!;
    expect(session.lease).toBeUndefined();
    expect(session.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
  });

  it("are not recreated when deleted while their run was paused: the resumed run fails and the call never runs", async () => {
    const { engine, plugin, recorder } = setup([call("notes__publish", { text: "hi" }, "c1"), { content: "never" }]);
    const paused = await engine.run("assistant", "publish hi", { sessionId: "s" });
    await engine.deleteSession("s");
    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done).toMatchObject({ status: "failed", error: { code: "CORTEX_SESSION_CONFLICT" } });
    expect(plugin.calls).toEqual([]);
    expect(await engine.getSession("s")).toBeUndefined();
    expect(recorder.hooks({ runId: paused.runId }).slice(-3)).toEqual([
      "checkpointResolved",
      "toolFailed",
      "runFailed",
    ]);
    expect(recorder.ofHook("toolFailed")).toHaveLength(1);
    expect(recorder.ofHook("toolFailed")[0]).toMatchObject({
      toolCallId: "c1",
      error: { code: "CORTEX_SESSION_CONFLICT" },
    });
    // The session id is free again: a new run creates it afresh.
    expect(await engine.run("assistant", "hello", { sessionId: "s" })).toMatchObject({ status: "completed" });
  });

  it("refuse a resumed run whose session another run took meanwhile, leaving that run's lease alone", async () => {
    const { engine, plugin, recorder } = setup(
      [
        call("notes__publish", { text: "hi" }, "c1"),
        call("notes__publish", { text: "other" }, "c2"),
        { content: "never" },
      ],
      { checkpointTtlMs: 30 },
    );
    const paused = await engine.run("assistant", "publish hi", { sessionId: "s" });
    await sleep(50);
    // The paused run's lease ended with its checkpoint: another run takes the session and pauses in turn.
    const other = await engine.run("assistant", "publish other", { sessionId: "s", checkpointTtlMs: 60_000 });
    expect(other.status).toBe("awaiting_approval");
    const before = await engine.getSession("s");
    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done).toMatchObject({ status: "failed", error: { code: "CORTEX_SESSION_BUSY" } });
    expect(plugin.calls).toEqual([]);
    // Refused as it resumes: the paused call ends with the refusal, and the run takes no further step.
    expect(recorder.hooks({ runId: paused.runId }).slice(-3)).toEqual([
      "checkpointResolved",
      "toolFailed",
      "runFailed",
    ]);
    expect(recorder.ofHook("toolFailed").at(-1)).toMatchObject({
      toolCallId: "c1",
      error: { code: "CORTEX_SESSION_BUSY" },
    });
    expect(await engine.getSession("s")).toEqual(before);
  });

  it("are taken back by a run continued after a crash; one deleted meanwhile is not recreated", async () => {
    // A job that hangs while `hang` is set, as a call in flight when its process died.
    let hang = true;
    let started = 0;
    const { registry } = registryWithSoft();
    registry.register(
      autoPlugin("job", {
        run: () => {
          started += 1;
          return hang ? new Promise<never>(() => undefined) : Promise.resolve({ success: true, data: "ok" });
        },
      }),
    );
    const shared = { plugins: registry, runStore: new CrashableStore(), sessionStore: new MemorySessionStore() };
    const crashed = setup([call("job__run", {}, "c1"), call("job__run", {}, "c2")], shared);
    void crashed.engine.run("assistant", "go", { sessionId: "kept", runId: "run-1" });
    void crashed.engine.run("assistant", "go", { sessionId: "gone", runId: "run-2" });
    while (started < 2) await sleep(1);
    hang = false;

    const next = setup([{ content: "done" }], shared);
    expect(await next.engine.continueRun("run-1")).toMatchObject({ status: "completed", sessionId: "kept" });
    const kept = (await next.engine.getSession("kept"))!;
    expect(kept.lease).toBeUndefined();
    expect(kept.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);

    await next.engine.deleteSession("gone");
    await expect(next.engine.continueRun("run-2")).rejects.toMatchObject({ code: "CORTEX_SESSION_CONFLICT" });
    expect(await next.engine.getSession("gone")).toBeUndefined();
    expect((await shared.runStore.load("run-2"))?.status).toBe("running");
    await crashed.engine.shutdown({ timeoutMs: 0 });
  });

  it("go on in the same session when a run hands off", async () => {
    const { engine, model } = setup(
      [call("cortex__handoff", { agent: "billing", message: "refund order 42" }), { content: "Refunded." }],
      { agent: { handoffs: ["billing"] } },
    );
    engine.defineAgent({ id: "billing", tools: [] });
    const result = await engine.run("assistant", "I want a refund", { sessionId: "s" });
    expect(result).toMatchObject({ status: "completed", agentId: "billing", sessionId: "s", output: "Refunded." });
    // billing has no instructions, so no system prompt: the request is the session's turn and the handoff message.
    expect(model.requests[1]!.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "user"]);
    expect((await engine.getSession("s"))!.messages.at(-1)).toEqual(assistant("Refunded."));
  });

  it("are listed and deleted through the engine", async () => {
    const { engine } = setup([{ content: "a" }, { content: "b" }]);
    await engine.run("assistant", "x", { sessionId: "one" });
    await engine.run("assistant", "y", { sessionId: "two" });
    expect((await engine.listSessions()).items.map((s) => [s.id, s.messageCount])).toEqual([
      ["one", 2],
      ["two", 2],
    ]);
    await engine.deleteSession("one");
    expect((await engine.listSessions()).items.map((s) => s.id)).toEqual(["two"]);
  });

  it("refuse a session id that is not 1-128 safe characters, and input that is not messages, before the run", async () => {
    const { engine, recorder } = setup([]);
    await expect(engine.run("assistant", "x", { sessionId: "../etc" })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "sessionId",
    });
    await expect(engine.run("assistant", [{ role: "user" } as ModelMessage])).rejects.toMatchObject({
      option: "input[0].content",
    });
    await expect(engine.run("assistant", [{ role: "robot", content: "x" } as never])).rejects.toMatchObject({
      option: "input[0].role",
    });
    await expect(engine.run("assistant", [])).rejects.toMatchObject({ option: "input" });
    expect(recorder.events).toEqual([]);
  });
});
