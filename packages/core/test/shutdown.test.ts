import { describe, expect, it } from "vitest";
import { EngineShutDownError } from "../src/index.js";
import { call, setup } from "./support.js";

describe("engine.shutdown", () => {
  it("lets in-flight runs finish, emits shutdown once, flushes hooks and tears plugins down", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { engine, plugin, recorder } = setup([
      call("notes__add", { text: "a" }),
      async () => {
        await gate;
        return { content: "finished" };
      },
    ]);
    const running = engine.run("assistant", "x");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const stopping = engine.shutdown({ timeoutMs: 5_000 });
    await expect(engine.run("assistant", "again")).rejects.toBeInstanceOf(EngineShutDownError);
    release();
    expect(await running).toMatchObject({ status: "completed", output: "finished" });
    expect(await stopping).toEqual({ abortedRuns: 0, hooksTimedOut: 0 });
    expect(recorder.count("shutdown")).toBe(1);
    expect(recorder.hooks().at(-1)).toBe("shutdown");
    expect(plugin.tornDown).toBe(1);
  });

  it("aborts runs still going at the deadline", async () => {
    const { engine, recorder } = setup([call("notes__slow", {})]);
    const running = engine.run("assistant", "x");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const report = await engine.shutdown({ timeoutMs: 30 });
    expect(report.abortedRuns).toBe(1);
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(recorder.hooks().slice(-2)).toEqual(["runFailed", "shutdown"]);
  });

  it("is idempotent and safe to call twice concurrently", async () => {
    const { engine, plugin, recorder } = setup([]);
    const [a, b] = [engine.shutdown(), engine.shutdown()];
    expect(a).toBe(b);
    await Promise.all([a, b]);
    await engine.shutdown();
    expect(recorder.count("shutdown")).toBe(1);
    expect(plugin.tornDown).toBe(0);
    await expect(engine.resolveCheckpoint("cp_x", { approved: true })).rejects.toMatchObject({ code: "CORTEX_ENGINE_SHUT_DOWN" });
  });

  it("waits for slow async hooks before it resolves", async () => {
    const written: string[] = [];
    const slow = {
      name: "slow-writer",
      onShutdown: () => new Promise<void>((resolve) => setTimeout(() => (written.push("flushed"), resolve()), 30)),
    };
    const { engine } = setup([], { extensions: [slow] });
    await engine.shutdown();
    expect(written).toEqual(["flushed"]);
  });
});
