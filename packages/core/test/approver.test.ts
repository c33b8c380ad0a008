import { describe, expect, it, vi } from "vitest";
import type { EngineApprovalRequest } from "../src/index.js";
import { call, setup } from "./support.js";

describe("an inline approver's answer binds to exactly one call", () => {
  it.each([
    ["another call's approvalId", () => "0".repeat(64)],
    ["an approvalId that is not a string", () => 42],
    ["an empty approvalId", () => ""],
  ])("an approval carrying %s never lets the waiting call run", async (_, approvalId) => {
    const { engine, plugin, recorder } = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
      approver: () => ({ approved: true, decidedBy: "bot", approvalId: approvalId() as string }),
    });
    const result = await engine.run("assistant", "x");
    expect(result.status).toBe("completed");
    expect(plugin.calls).toEqual([]);
    expect(recorder.ofHook("toolFailed")[0]!.error).toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    expect(recorder.ofHook("checkpointResolved")).toEqual([
      expect.objectContaining({ runId: result.runId, decision: { approved: true, decidedBy: "bot" } }),
    ]);
  });

  it("runs the call when the answer carries the request's own id", async () => {
    const { engine, plugin } = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
      approver: (request: EngineApprovalRequest) => ({ approved: true, approvalId: request.id }),
    });
    expect((await engine.run("assistant", "x")).status).toBe("completed");
    expect(plugin.calls).toEqual([{ action: "publish", params: { text: "x" } }]);
  });
});

describe("approvalTimeoutMs", () => {
  const DAY = 24 * 60 * 60 * 1000;

  it("honours a limit past 2^31-1 ms in full: a 30-day wait does not end after 24.8 days", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const { engine, plugin, recorder } = setup([call("notes__publish", { text: "x" }), { content: "done" }], {
        approver: () => new Promise<never>(() => undefined),
        approvalTimeoutMs: 30 * DAY,
      });
      let settled = false;
      const running = engine.run("assistant", "x").finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(25 * DAY);
      expect(settled).toBe(false);
      expect(recorder.count("checkpointResolved")).toBe(0);
      await vi.advanceTimersByTimeAsync(5 * DAY);
      expect(await running).toMatchObject({ status: "completed" });
      expect(recorder.ofHook("checkpointResolved")[0]!.decision).toMatchObject({ approved: false });
      expect(plugin.calls).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

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
    // Without the abort the run would wait for an approver that never answers (the engine's limit is 300 s).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(plugin.calls).toEqual([]);
  });

  it("shutdown's deadline is kept", async () => {
    const { engine, recorder } = setup([call("notes__publish", { text: "x" })], {
      approver: () => new Promise<never>(() => undefined),
    });
    const running = engine.run("assistant", "x");
    // The run reaches the approver in microtasks (everything here is in memory): before this timer fires.
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Faked timers: the deadline is checked in the engine's own time, whatever a loaded machine does to ours.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let report: unknown;
      void engine.shutdown({ timeoutMs: 30 }).then((r) => (report = r));
      await vi.advanceTimersByTimeAsync(29);
      expect(report).toBeUndefined();
      // Far below the default limit of 10 s that shutdown would keep if it ignored the one it was given.
      await vi.advanceTimersByTimeAsync(1_000);
      expect(report).toMatchObject({ abortedRuns: 1 });
    } finally {
      vi.useRealTimers();
    }
    expect((await running).status).toBe("failed");
    expect(recorder.hooks().at(-1)).toBe("shutdown");
  });
});
