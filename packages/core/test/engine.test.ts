import { PluginRegistry, silentLogger } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { describe, expect, it } from "vitest";
import {
  AgentNotFoundError,
  CORE_ERRORS,
  DuplicateAgentError,
  InvalidOptionsError,
  NoMatchingToolsError,
  createEngine,
  type EngineOptions,
} from "../src/index.js";
import { autoPlugin, call, registryWithSoft, setup, sleep } from "./support.js";

describe("engine.run", () => {
  it("ends with the model's answer when it calls no tool", async () => {
    const { engine, model } = setup([{ content: "Hello!" }]);
    const result = await engine.run("assistant", "hi");
    expect(result).toMatchObject({ status: "completed", output: "Hello!", agentId: "assistant", steps: 1 });
    expect(result.runId).toMatch(/^run_/);
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0]!.messages).toEqual([
      { role: "system", content: "You keep notes." },
      { role: "user", content: "hi" },
    ]);
  });

  it("offers plugin actions as provider-safe tools with their JSON Schemas", async () => {
    const { engine, model } = setup([{ content: "ok" }]);
    await engine.run("assistant", "hi", { principal: { id: "root", roles: ["admin"] } });
    const tools = model.requests[0]!.tools;
    expect(tools.map((t) => t.name)).toEqual([
      "notes__add",
      "notes__list",
      "notes__publish",
      "notes__purge",
      "notes__explode",
      "notes__leak",
      "notes__slow",
    ]);
    for (const tool of tools) expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(tools[0]!.parameters).toMatchObject({ type: "object", required: ["text"] });
    expect(tools[1]!.parameters).toEqual({ type: "object", properties: {} });
  });

  it("runs tool calls through the registry and gives results back to the model", async () => {
    const { engine, model, plugin } = setup([call("notes__add", { text: "milk" }, "c1"), { content: "Added." }]);
    const result = await engine.run("assistant", "remember milk");
    expect(result).toMatchObject({ status: "completed", output: "Added.", steps: 2 });
    expect(plugin.calls).toEqual([{ action: "add", params: { text: "milk" } }]);
    const second = model.requests[1]!.messages;
    expect(second.at(-2)).toEqual({
      role: "assistant",
      toolCalls: [{ id: "c1", name: "notes__add", arguments: { text: "milk" } }],
    });
    expect(second.at(-1)).toEqual({
      role: "tool",
      toolCallId: "c1",
      name: "notes__add",
      content: JSON.stringify({ ok: true, data: { count: 1 } }),
    });
  });

  it("accepts arguments as a JSON string, as providers send them", async () => {
    const { engine, plugin } = setup([call("notes__add", '{"text":"eggs"}'), { content: "done" }]);
    expect((await engine.run("assistant", "x")).status).toBe("completed");
    expect(plugin.calls[0]!.params).toEqual({ text: "eggs" });
  });

  it("returns validation errors to the model as structured data it can correct from", async () => {
    const { engine, model, plugin, recorder } = setup([
      call("notes__add", { text: 42, extra: true }),
      call("notes__add", { text: "fixed" }),
      { content: "done" },
    ]);
    const result = await engine.run("assistant", "x");
    expect(result.status).toBe("completed");
    expect(plugin.calls).toEqual([{ action: "add", params: { text: "fixed" } }]);
    const toolMessage = model.requests[1]!.messages.at(-1) as { content: string };
    const body = JSON.parse(toolMessage.content) as {
      ok: boolean;
      error: { code: string; issues: { path: string }[] };
    };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe("CORTEX_VALIDATION_FAILED");
    expect(body.error.issues.map((i) => i.path).sort()).toEqual(["/extra", "/text"]);
    expect(recorder.ofHook("toolFailed")[0]).toMatchObject({
      toolName: "notes__add",
      error: { code: "CORTEX_VALIDATION_FAILED" },
    });
  });

  it("turns a throwing plugin into a failed tool result, not a failed run", async () => {
    const { engine, model, recorder } = setup([call("notes__explode", {}), { content: "sorry" }]);
    const result = await engine.run("assistant", "x");
    expect(result.status).toBe("completed");
    const body = JSON.parse((model.requests[1]!.messages.at(-1) as { content: string }).content) as {
      ok: boolean;
      error: { code: string };
    };
    expect(body).toMatchObject({ ok: false, error: { code: "CORTEX_PLUGIN_ERROR" } });
    expect(recorder.count("toolFailed")).toBe(1);
    expect(recorder.count("toolCompleted")).toBe(0);
  });

  it("fails with CORTEX_STEP_LIMIT when the model never stops calling tools", async () => {
    const { engine, recorder } = setup(
      [call("notes__list", {}), call("notes__list", {}), call("notes__list", {}), { content: "never reached" }],
      { agent: { maxSteps: 3 } },
    );
    const result = await engine.run("assistant", "loop");
    expect(result).toMatchObject({ status: "failed", error: { code: "CORTEX_STEP_LIMIT" }, steps: 3 });
    expect(recorder.count("stepCompleted")).toBe(3);
    expect(recorder.ofHook("runFailed")[0]!.error).toMatchObject({ code: "CORTEX_STEP_LIMIT" });
  });

  it("fails with CORTEX_RUN_ABORTED when the caller aborts, also during a slow tool", async () => {
    const { engine } = setup([call("notes__slow", {}), { content: "never" }]);
    const controller = new AbortController();
    const running = engine.run("assistant", "x", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user pressed stop")), 20);
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });

    const early = new AbortController();
    early.abort();
    expect(await engine.run("assistant", "x", { signal: early.signal })).toMatchObject({
      error: { code: "CORTEX_RUN_ABORTED" },
    });
  });

  it("only offers the tools an agent allows, with wildcards", async () => {
    const { engine, model } = setup([{ content: "a" }, { content: "b" }, { content: "c" }], {
      agent: { tools: ["notes.add", "notes.l*"] },
    });
    engine.defineAgent({ id: "none", tools: [] });
    engine.defineAgent({ id: "all", tools: ["notes__*"] });
    await engine.run("assistant", "x");
    await engine.run("none", "x");
    await engine.run("all", "x", { principal: { id: "root", roles: ["admin"] } });
    expect(model.requests[0]!.tools.map((t) => t.name)).toEqual(["notes__add", "notes__list", "notes__leak"]);
    expect(model.requests[1]!.tools).toEqual([]);
    expect(model.requests[2]!.tools).toHaveLength(7);
  });

  it("tells the model a tool the agent does not allow is unknown, listing the tools it has", async () => {
    const { engine, model, plugin, recorder } = setup([call("notes__purge", {}, "c1"), { content: "ok then" }], {
      agent: { tools: ["notes.add"] },
    });
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed", output: "ok then" });
    expect(plugin.calls).toEqual([]);
    const told = JSON.parse(model.requests[1]!.messages.at(-1)!.content!) as { ok: boolean; error: unknown };
    expect(told).toEqual({
      ok: false,
      error: {
        code: "CORTEX_UNKNOWN_TOOL",
        message: 'There is no tool "notes__purge". The tools you can call: notes__add',
      },
    });
    expect(recorder.hooks()).toContain("toolFailed");
    expect(recorder.ofHook("toolFailed")[0]).toMatchObject({ toolName: "notes__purge", toolCallId: "c1" });
  });

  it("rejects unknown agents before a run starts, and bad or duplicate definitions at once", async () => {
    const { engine, recorder } = setup([]);
    await expect(engine.run("nobody", "x")).rejects.toBeInstanceOf(AgentNotFoundError);
    await expect(engine.run("nobody", "x")).rejects.toMatchObject({ code: "CORTEX_AGENT_NOT_FOUND" });
    expect(recorder.events).toEqual([]);
    expect(() => engine.defineAgent({ id: "assistant" })).toThrow(DuplicateAgentError);
    expect(() => engine.defineAgent({ id: "" })).toThrow(InvalidOptionsError);
    expect(() => engine.defineAgent({ id: "x", maxSteps: 0 })).toThrow(/maxSteps/);
    expect(() => engine.defineAgent({ id: "y", tools: "notes" as unknown as string[] })).toThrow(/tools/);
    expect(() => createEngine({} as never)).toThrow(InvalidOptionsError);
  });

  it("names the option at fault in CORTEX_INVALID_OPTIONS for every bad option", () => {
    const { registry } = registryWithSoft();
    const model = { generate: () => Promise.resolve({ content: "x" }) };
    const cases: [Partial<EngineOptions>, string][] = [
      [{ agents: [{ id: "a" }, { id: "b", maxSteps: 0 }] }, "agents[1].maxSteps"],
      [{ agents: [{ id: "a", handoffs: ["a"] }] }, "agents[0].handoffs"],
      [{ personas: [{ name: "p", traits: "bold" as unknown as string[] }] }, "personas[0].traits"],
      [
        {
          personas: [
            {
              name: "p",
              behaviors: [{ name: "b", trigger: { on: "nope" }, action: { type: "stop", message: "x" } }] as never,
            },
          ],
        },
        "personas[0].behaviors[0]",
      ],
      [{ modelTimeoutMs: 0 }, "modelTimeoutMs"],
      [{ approvalTimeoutMs: Number.NaN }, "approvalTimeoutMs"],
      [{ defaultMaxSteps: 0 }, "defaultMaxSteps"],
      [{ maxHandoffs: -1 }, "maxHandoffs"],
      [{ approver: "yes" as never }, "approver"],
      [{ runStore: {} as never }, "runStore"],
      [{ agents: "a" as never }, "agents"],
    ];
    for (const [options, option] of cases) {
      expect(() => createEngine({ model, plugins: registry, ...options })).toThrow(
        expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option }),
      );
    }
    expect(() => createEngine({ model: {} as never, plugins: registry })).toThrow(
      expect.objectContaining({ option: "model" }),
    );
  });

  it("gives a plugin's failure without a code to the model as CORTEX_TOOL_FAILED, a documented core code", async () => {
    const { registry } = registryWithSoft();
    const { engine, model, recorder } = setup([call("soft__fail", {}), { content: "sorry" }], { plugins: registry });
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed", output: "sorry" });
    const error = { code: "CORTEX_TOOL_FAILED", message: "the soft plugin failed" };
    expect(recorder.ofHook("toolFailed")[0]!.error).toEqual(error);
    expect(JSON.parse(model.requests[1]!.messages.at(-1)!.content!)).toEqual({ ok: false, error });
    expect(Object.keys(CORE_ERRORS)).toContain("CORTEX_TOOL_FAILED");
  });

  it("gives a step aborted during its last tool call no stepCompleted, only runFailed", async () => {
    const { registry } = registryWithSoft();
    const { engine, recorder } = setup([call("soft__wait", {}), { content: "never" }], { plugins: registry });
    const controller = new AbortController();
    const running = engine.run("assistant", "x", { signal: controller.signal });
    await sleep(20);
    controller.abort(new Error("user pressed stop"));
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(recorder.hooks()).toEqual([
      "runStarted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "toolCalled",
      "toolFailed",
      "runFailed",
    ]);

    // The same while an inline approver is still deciding.
    const approving = setup([call("notes__publish", { text: "x" }), { content: "never" }], {
      approver: () => new Promise<never>(() => undefined),
    });
    const stop = new AbortController();
    const waiting = approving.engine.run("assistant", "x", { signal: stop.signal });
    await sleep(20);
    stop.abort();
    expect(await waiting).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(approving.recorder.hooks()).toEqual([
      "runStarted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "toolCalled",
      "checkpointCreated",
      "checkpointResolved",
      "toolFailed",
      "runFailed",
    ]);
  });

  it("sets no timer for modelTimeoutMs and approvalTimeoutMs of Infinity", async () => {
    const { engine } = setup([async () => (await sleep(30), { content: "slow but fine" })], {
      modelTimeoutMs: Infinity,
    });
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed", output: "slow but fine" });

    const approver = async () => (await sleep(30), { approved: true });
    const approved = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
      approvalTimeoutMs: Infinity,
      approver,
    });
    expect(await approved.engine.run("assistant", "x")).toMatchObject({ status: "completed" });
    expect(approved.plugin.calls).toEqual([{ action: "publish", params: { text: "x" } }]);
    expect(approved.recorder.ofHook("checkpointResolved")[0]!.decision).toEqual({ approved: true });
  });

  it("honours a finite timeout beyond 2^31-1 ms instead of firing it at once", async () => {
    const { engine } = setup([async () => (await sleep(30), { content: "fine" })], { modelTimeoutMs: 3_000_000_000 });
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed", output: "fine" });
  });

  it("rejects timeouts that are not a number of milliseconds above 0 or Infinity", () => {
    const { registry } = registryWithSoft();
    const model = { generate: () => Promise.resolve({ content: "x" }) };
    for (const bad of [0, -5, Number.NaN, "100"]) {
      expect(() => createEngine({ model, plugins: registry, modelTimeoutMs: bad as number })).toThrow(
        InvalidOptionsError,
      );
      expect(() => createEngine({ model, plugins: registry, approvalTimeoutMs: bad as number })).toThrow(
        /approvalTimeoutMs/,
      );
    }
    expect(() =>
      createEngine({ model, plugins: registry, modelTimeoutMs: Infinity, approvalTimeoutMs: 1 }),
    ).not.toThrow();
  });
});

describe("a logger that throws", () => {
  it("never turns a logged problem into a rejected or failed run", async () => {
    const throwing = {
      debug: () => {
        throw new Error("log down");
      },
      info: () => {
        throw new Error("log down");
      },
      warn: () => {
        throw new Error("log down");
      },
      error: () => {
        throw new Error("log down");
      },
    };
    const { engine, plugin } = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
      logger: throwing,
      approver: () => {
        throw new Error("approver down");
      },
    });
    const result = await engine.run("assistant", "x");
    expect(result).toMatchObject({ status: "completed", output: "done" });
    expect(plugin.calls).toEqual([]);
  });
});

describe("configuration mistakes fail fast", () => {
  it("warns at definition, and refuses a run, when a tool pattern matches no registered action", async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const { engine, recorder, registry } = setup([{ content: "ok" }], {
      logger,
      agent: { tools: ["notes.add", "calendar.*"] },
    });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Agent "assistant": tool pattern "calendar\.\*" matches no registered action; the tools that exist are notes__add, notes__list, /,
      ),
    ]);
    const error = await engine.run("assistant", "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoMatchingToolsError);
    expect(error).toMatchObject({ code: "CORTEX_NO_MATCHING_TOOLS", agentId: "assistant", patterns: ["calendar.*"] });
    expect((error as NoMatchingToolsError).available).toContain("notes__publish");
    expect(recorder.events).toEqual([]);
    // Once the plugin is registered (say, discovery finished), the agent runs.
    registry.register(autoPlugin("calendar", { list: () => Promise.resolve({ success: true, data: [] }) }));
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed" });
  });

  it("says so when no plugin is registered yet, as when discovery was not awaited", () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    createEngine({
      model: { generate: () => Promise.resolve({}) },
      plugins: new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger }),
      agents: [{ id: "a", tools: ["files"] }],
      logger,
    });
    expect(warnings).toEqual([
      'Agent "a": tool pattern "files" matches no registered action; the tools that exist are none: no plugin is registered yet',
    ]);
  });

  it("tells the model when a handoff target's tools match nothing, and the run goes on", async () => {
    const { engine, recorder } = setup(
      [call("cortex__handoff", { agent: "broken", message: "x" }), { content: "mine" }],
      {
        agent: { handoffs: ["broken"] },
      },
    );
    engine.defineAgent({ id: "broken", tools: ["nothing.*"] });
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed", output: "mine" });
    expect(recorder.ofHook("toolFailed")[0]!.error).toMatchObject({ code: "CORTEX_NO_MATCHING_TOOLS" });
  });
});
