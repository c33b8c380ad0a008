import { PluginRegistry, silentLogger } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { describe, expect, it, vi } from "vitest";
import { createEngine } from "../src/index.js";
import { autoPlugin, call, setup, sleep, withFakeClock } from "./support.js";

const usage = { inputTokens: 10, outputTokens: 5 };
const withUsage = <T extends object>(step: T) => ({ ...step, usage });

describe("budgets", () => {
  it("maxTokens: the run stops before the model call that would go past what it has used", async () => {
    const { engine, model, plugin, recorder } = setup([
      withUsage(call("notes__add", { text: "a" })),
      withUsage(call("notes__add", { text: "b" })),
      withUsage({ content: "never asked" }),
    ]);
    const result = await engine.run("assistant", "x", { budget: { maxTokens: 20 } });
    expect(result).toMatchObject({
      status: "failed",
      error: { code: "CORTEX_BUDGET_EXCEEDED" },
      usage: { inputTokens: 20, outputTokens: 10 },
    });
    expect(result.error!.message).toMatch(
      /used 30 tokens, its budget's maxTokens is 20; it stopped before asking the model again/,
    );
    expect(model.requests).toHaveLength(2);
    expect(plugin.calls).toHaveLength(2);
    // Both steps ended; the run failed between steps.
    expect(recorder.hooks().slice(-2)).toEqual(["stepCompleted", "runFailed"]);
  });

  it("maxModelCalls: at most that many model calls", async () => {
    const { engine, model } = setup([call("notes__list", {}), call("notes__list", {}), { content: "late" }]);
    const result = await engine.run("assistant", "x", { budget: { maxModelCalls: 2 } });
    expect(result.error).toMatchObject({ code: "CORTEX_BUDGET_EXCEEDED" });
    expect(result.error!.message).toMatch(/made 2 model calls, its budget's maxModelCalls is 2/);
    expect(model.requests).toHaveLength(2);
  });

  // In faked time the clock moves only while the tool (or the human) waits: the run's own work takes none
  // of it, so a loaded machine cannot spend the budget before the first step.

  it("maxDurationMs: checked between steps, so a tool call under way is never cut short", async () => {
    await withFakeClock(async () => {
      const registry = new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger });
      let finished = 0;
      registry.register(
        autoPlugin("slow", {
          work: async () => {
            await sleep(80);
            finished += 1;
            return { success: true, data: "done" };
          },
        }),
      );
      const { engine, model, recorder } = setup([call("slow__work", {}), { content: "never asked" }], {
        plugins: registry,
      });
      const running = engine.run("assistant", "x", { budget: { maxDurationMs: 30 } });
      await vi.advanceTimersByTimeAsync(80);
      const result = await running;
      expect(result.error).toMatchObject({ code: "CORTEX_BUDGET_EXCEEDED" });
      expect(result.error!.message).toMatch(/its budget's maxDurationMs is 30/);
      expect(finished).toBe(1);
      expect(recorder.count("toolCompleted")).toBe(1);
      expect(model.requests).toHaveLength(1);
    });
  });

  it("does not count the time a paused run waited for its decision", async () => {
    await withFakeClock(async () => {
      const { engine } = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
        agent: { budget: { maxDurationMs: 150 } },
      });
      const paused = await engine.run("assistant", "x");
      await vi.advanceTimersByTimeAsync(300);
      expect(await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true })).toMatchObject({
        status: "completed",
        output: "done",
      });
    });
  });

  it("takes the agent's budget by default, each limit overridable by the run's", async () => {
    const steps = [call("notes__list", {}), { content: "done" }];
    const { engine } = setup([...steps, ...steps], { agent: { budget: { maxModelCalls: 1, maxTokens: 1_000 } } });
    expect((await engine.run("assistant", "x")).error).toMatchObject({ code: "CORTEX_BUDGET_EXCEEDED" });
    expect(await engine.run("assistant", "x", { budget: { maxModelCalls: 5 } })).toMatchObject({ status: "completed" });
  });

  it("counts usage across a pause: a resumed run sums every model call of the run", async () => {
    const { engine } = setup([withUsage(call("notes__publish", { text: "x" })), withUsage({ content: "done" })]);
    const paused = await engine.run("assistant", "x");
    expect(paused.usage).toEqual(usage);
    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done.usage).toEqual({ inputTokens: 20, outputTokens: 10 });
  });

  it("refuses a limit that is not one, naming it", async () => {
    const { engine } = setup([]);
    await expect(engine.run("assistant", "x", { budget: { maxTokens: 0 } })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "budget.maxTokens",
    });
    await expect(engine.run("assistant", "x", { budget: { maxDurationMs: -1 } })).rejects.toMatchObject({
      option: "budget.maxDurationMs",
    });
    expect(() =>
      createEngine({
        model: { generate: () => Promise.resolve({}) },
        plugins: new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger }),
        agents: [{ id: "a", budget: { maxModelCalls: 1.5 } }],
      }),
    ).toThrow(expect.objectContaining({ option: "agents[0].budget.maxModelCalls" }) as Error);
  });
});
