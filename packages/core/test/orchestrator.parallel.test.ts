import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  JsonFileRunStore,
  MemoryRunStore,
  type ModelClient,
  type ModelRequest,
  type ParallelUpdate,
  type RunStore,
} from "../src/index.js";
import { setup } from "./support.js";

/**
 * A model for agents p1…pN: an agent in `publishes` calls notes__publish that
 * many times (each call pauses its run at a checkpoint), then answers
 * "<agent> done"; any other agent answers at once.
 */
function model(publishes: Record<string, number>): ModelClient {
  return {
    generate(request: ModelRequest) {
      const agent = request.agentId ?? "";
      const toolResults = request.messages.filter((m) => m.role === "tool").length;
      if (toolResults < (publishes[agent] ?? 0)) {
        return Promise.resolve({
          toolCalls: [
            { id: `c${toolResults}`, name: "notes__publish", arguments: { text: `${agent}-${toolResults}` } },
          ],
        });
      }
      return Promise.resolve({ content: `${agent} done` });
    },
  };
}

function engine(store: RunStore, publishes: Record<string, number>) {
  const ctx = setup([], { runStore: store, model: model(publishes) });
  for (const id of ["p1", "p2", "p3"]) ctx.engine.defineAgent({ id });
  return ctx;
}

const SPEC = { strategy: "parallel" as const, agents: ["p1", "p2", "p3"] };

describe("parallel orchestrations across engines", () => {
  it("finishes in whichever engine resolves the last paused run, with orchestrationCompleted once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-parallel-"));
    const publishes = { p1: 1, p2: 1 };
    const a = engine(new JsonFileRunStore(dir), publishes);
    const paused = await a.engine.orchestrate(SPEC, "go");
    expect(paused.status).toBe("awaiting_approval");
    expect(paused.runs.map((r) => r.agentId)).toEqual(["p3"]);
    const [first, second] = paused.checkpoints;
    expect([first?.agentId, second?.agentId]).toEqual(["p1", "p2"]);

    // Another engine (another process, in real life) resolves one: the orchestration still waits for the other.
    const b = engine(new JsonFileRunStore(dir), publishes);
    const one = await b.engine.resolveCheckpoint(first!.id, { approved: true });
    expect(one.orchestration).toMatchObject({ orchestrationId: paused.orchestrationId, status: "awaiting_approval" });
    expect(one.orchestration!.checkpoints.map((c) => c.id)).toEqual([second!.id]);
    expect(one.orchestration!.runs.map((r) => r.agentId)).toEqual(["p1", "p3"]);

    // A third engine resolves the last one and gets the whole result.
    const c = engine(new JsonFileRunStore(dir), publishes);
    const two = await c.engine.resolveCheckpoint(second!.id, { approved: true });
    expect(two.orchestration).toMatchObject({
      orchestrationId: paused.orchestrationId,
      strategy: "parallel",
      status: "completed",
      output: "[p1]\np1 done\n\n[p2]\np2 done\n\n[p3]\np3 done",
      checkpoints: [],
    });
    expect(two.orchestration!.runs.map((r) => [r.agentId, r.status])).toEqual([
      ["p1", "completed"],
      ["p2", "completed"],
      ["p3", "completed"],
    ]);
    const completions = [a, b, c].map((x) => x.recorder.ofHook("orchestrationCompleted"));
    expect(completions.map((list) => list.length)).toEqual([0, 0, 1]);
    expect(completions[2]![0]).toMatchObject({ orchestrationId: paused.orchestrationId, outcome: "completed" });
    expect([a, b, c].map((x) => x.plugin.calls.length)).toEqual([0, 1, 1]);
    // Nothing is left behind once it is complete.
    expect(await readdir(join(dir, "parallel"))).toEqual([]);
  });

  it("reports the new checkpoint of a resumed run that pauses again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-parallel-"));
    const publishes = { p1: 2, p2: 1 };
    const a = engine(new JsonFileRunStore(dir), publishes);
    const paused = await a.engine.orchestrate(SPEC, "go");
    const [p1First, p2Only] = paused.checkpoints;

    const b = engine(new JsonFileRunStore(dir), publishes);
    const again = await b.engine.resolveCheckpoint(p1First!.id, { approved: true });
    expect(again.status).toBe("awaiting_approval");
    const p1Second = again.checkpoint!;
    expect(p1Second.args).toEqual({ text: "p1-1" });

    const afterP2 = await b.engine.resolveCheckpoint(p2Only!.id, { approved: true });
    expect(afterP2.orchestration).toMatchObject({ status: "awaiting_approval" });
    expect(afterP2.orchestration!.checkpoints.map((cp) => cp.id)).toEqual([p1Second.id]);

    const done = await a.engine.resolveCheckpoint(p1Second.id, { approved: false, reason: "not twice" });
    expect(done.orchestration).toMatchObject({
      status: "completed",
      output: "[p1]\np1 done\n\n[p2]\np2 done\n\n[p3]\np3 done",
    });
    expect(a.recorder.count("orchestrationCompleted") + b.recorder.count("orchestrationCompleted")).toBe(1);
  });

  it("completes exactly once when the last two runs are resolved at the same time in two engines", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const dir = await mkdtemp(join(tmpdir(), "cortex-parallel-"));
      const publishes = { p1: 1, p2: 1, p3: 1 };
      const a = engine(new JsonFileRunStore(dir), publishes);
      const paused = await a.engine.orchestrate(SPEC, "go");
      const [c1, c2, c3] = paused.checkpoints;
      await a.engine.resolveCheckpoint(c1!.id, { approved: true });
      const b = engine(new JsonFileRunStore(dir), publishes);
      const c = engine(new JsonFileRunStore(dir), publishes);
      const results = await Promise.all([
        b.engine.resolveCheckpoint(c2!.id, { approved: true }),
        c.engine.resolveCheckpoint(c3!.id, { approved: true }),
      ]);
      const statuses = results.map((r) => r.orchestration?.status);
      expect(statuses.filter((s) => s === "completed")).toHaveLength(1);
      expect([a, b, c].reduce((n, x) => n + x.recorder.count("orchestrationCompleted"), 0)).toBe(1);
    }
  });

  it("still finishes in the starting engine with a run store that cannot keep orchestrations", async () => {
    const inner = new MemoryRunStore();
    const plain: RunStore = {
      save: (s) => inner.save(s),
      load: (id) => inner.load(id),
      claim: (id) => inner.claim(id),
      delete: (id) => inner.delete(id),
    };
    const a = engine(plain, { p1: 1 });
    const paused = await a.engine.orchestrate(SPEC, "go");
    const resumed = await a.engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    expect(resumed.orchestration).toMatchObject({
      status: "completed",
      output: "[p1]\np1 done\n\n[p2]\np2 done\n\n[p3]\np3 done",
    });
  });

  it("reports every paused run when the store's answers arrive out of order, and still completes once", async () => {
    /** A store that applies updates at once but whose answer for slot 0 travels back slower. */
    class LatentStore extends MemoryRunStore {
      override async updateParallel(id: string, slot: number, update: ParallelUpdate) {
        const answer = await super.updateParallel(id, slot, update);
        await new Promise((resolve) => setTimeout(resolve, slot === 0 ? 50 : 5));
        return answer;
      }
    }
    const a = engine(new LatentStore(), { p1: 1, p2: 1 });
    const paused = await a.engine.orchestrate(SPEC, "go");
    expect(paused.status).toBe("awaiting_approval");
    expect(paused.checkpoints.map((c) => c.agentId)).toEqual(["p1", "p2"]);
    expect(paused.runs.map((r) => r.agentId)).toEqual(["p3"]);
    await a.engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    const done = await a.engine.resolveCheckpoint(paused.checkpoints[1]!.id, { approved: true });
    expect(done.orchestration).toMatchObject({
      status: "completed",
      output: "[p1]\np1 done\n\n[p2]\np2 done\n\n[p3]\np3 done",
    });
    expect(a.recorder.ofHook("orchestrationCompleted")).toHaveLength(1);
  });

  it("reports a failed agent without losing the others, whichever engine finishes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-parallel-"));
    const a = engine(new JsonFileRunStore(dir), { p1: 1 });
    a.engine.defineAgent({ id: "broken", maxSteps: 1 });
    const failing: ModelClient = {
      generate: (request) =>
        request.agentId === "broken" ? Promise.reject(new Error("model down")) : model({ p1: 1 }).generate(request),
    };
    const b = setup([], { runStore: new JsonFileRunStore(dir), model: failing });
    for (const id of ["p1", "broken"]) b.engine.defineAgent({ id });
    const paused = await b.engine.orchestrate({ strategy: "parallel", agents: ["p1", "broken"] }, "go");
    expect(paused.status).toBe("awaiting_approval");
    const done = await a.engine.resolveCheckpoint(paused.checkpoints[0]!.id, { approved: true });
    expect(done.orchestration).toMatchObject({
      status: "failed",
      output: "[p1]\np1 done",
      error: { code: "CORTEX_ORCHESTRATION_FAILED", message: expect.stringContaining("broken") as string },
    });
  });
});
