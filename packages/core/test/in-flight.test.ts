import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, setup } from "./support.js";

/** Runs (or resolutions) that wait on one gate, so that all of them are in flight at once. */
function gated() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const answer = async () => (await gate, { content: "done" });
  return { open, answer };
}

describe("many runs sharing one caller's signal", () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  /** MaxListenersExceededWarnings about `signal` (the registry's own signals are its business). */
  const leakWarnings = (signal: AbortSignal) =>
    warnings.filter((w) => w.name === "MaxListenersExceededWarning" && (w as { target?: unknown }).target === signal);
  beforeEach(() => {
    warnings.length = 0;
    process.on("warning", onWarning);
  });
  afterEach(() => {
    process.off("warning", onWarning);
  });

  it("hold one abort listener on it while they run and none after, with no MaxListenersExceededWarning", async () => {
    const { open, answer } = gated();
    const { engine } = setup([call("notes__add", { text: "x" }), answer], { perRun: true });
    const signal = new AbortController().signal;
    const runs = Array.from({ length: 25 }, () => engine.run("assistant", "x", { signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(getEventListeners(signal, "abort").length).toBe(1);
    open();
    expect((await Promise.all(runs)).map((r) => r.status)).toEqual(Array(25).fill("completed"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(getEventListeners(signal, "abort")).toEqual([]);
    expect(leakWarnings(signal)).toEqual([]);
  });

  it("do the same for more than ten concurrent checkpoint resolutions", async () => {
    const { open, answer } = gated();
    const { engine, plugin } = setup([call("notes__publish", { text: "x" }), answer], { perRun: true });
    const paused = await Promise.all(Array.from({ length: 25 }, () => engine.run("assistant", "x")));
    const signal = new AbortController().signal;
    const resolutions = paused.map((p) => engine.resolveCheckpoint(p.checkpoint!.id, { approved: true }, { signal }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(getEventListeners(signal, "abort").length).toBe(1);
    open();
    expect((await Promise.all(resolutions)).map((r) => r.status)).toEqual(Array(25).fill("completed"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(plugin.calls).toHaveLength(25);
    expect(getEventListeners(signal, "abort")).toEqual([]);
    expect(leakWarnings(signal)).toEqual([]);
  });

  it("abort every run of the signal when it aborts", async () => {
    const { answer } = gated();
    const { engine } = setup([answer], { perRun: true });
    const controller = new AbortController();
    const runs = Array.from({ length: 12 }, () => engine.run("assistant", "x", { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    for (const result of await Promise.all(runs)) expect(result.error?.code).toBe("CORTEX_RUN_ABORTED");
  });
});
