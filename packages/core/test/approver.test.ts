import { describe, expect, it } from "vitest";
import { call, setup } from "./support.js";

describe("aborts and shutdown while an inline approver is deciding", () => {
  it("an abort ends the wait at once and the call never runs", async () => {
    const { engine, plugin } = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
      approver: () => new Promise<never>(() => undefined),
    });
    const controller = new AbortController();
    const started = Date.now();
    const running = engine.run("assistant", "x", { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(plugin.calls).toEqual([]);
  });

  it("shutdown's deadline is kept", async () => {
    const { engine, recorder } = setup([call("notes__publish", { text: "x" })], {
      approver: () => new Promise<never>(() => undefined),
    });
    const running = engine.run("assistant", "x");
    await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    expect((await engine.shutdown({ timeoutMs: 30 })).abortedRuns).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await running).status).toBe("failed");
    expect(recorder.hooks().at(-1)).toBe("shutdown");
  });
});
