import { createEngine, type RunStore } from "@cortex/core";
import {
  ActionTier,
  PluginHealthStatus,
  PluginRegistry,
  silentLogger,
  type Plugin,
  type PluginActionInfo,
  type PluginResult,
} from "@cortex/plugins";
import { FakeBroker, ScriptedModel, type ScriptStep } from "@cortex/testing";
import { describe, expect, it } from "vitest";
import { useStores } from "./support/postgres.js";

const stores = useStores();

/** A plugin with one CONFIRM action that records every call it runs. */
class PublishPlugin implements Plugin {
  readonly name = "notes";
  readonly version = "1.0.0";
  readonly description = "Publishes notes";
  readonly published: unknown[] = [];
  async setup(): Promise<void> {
    // nothing to connect to
  }
  async teardown(): Promise<void> {
    // nothing to release
  }
  listActions(): PluginActionInfo[] {
    return [{ name: "publish", description: "Publish a note", tier: ActionTier.CONFIRM }];
  }
  async executeAction(_action: string, params: Record<string, unknown>): Promise<PluginResult> {
    this.published.push(params);
    return { success: true, data: { published: params.text } };
  }
  async health() {
    return { plugin: this.name, status: PluginHealthStatus.HEALTHY };
  }
}

/** An engine (as one worker process would build it) over `store`. */
function worker(store: RunStore, script: ScriptStep[]) {
  const plugin = new PublishPlugin();
  const plugins = new PluginRegistry({ broker: new FakeBroker({}), logger: silentLogger });
  plugins.register(plugin);
  const engine = createEngine({
    model: new ScriptedModel(script),
    plugins,
    agents: [{ id: "writer" }],
    runStore: store,
    logger: silentLogger,
  });
  return { engine, plugin };
}

const PUBLISH = { toolCalls: [{ id: "c1", name: "notes__publish", arguments: { text: "hello" } }] };

describe("an engine on PostgresRunStore", () => {
  it("pauses in one engine, is listed as pending, and completes in another engine", async () => {
    const first = await stores.migrated();
    const second = stores.store({ schema: first.schema });
    const a = worker(first, [PUBLISH]);
    const paused = await a.engine.run("writer", "publish hello");
    expect(paused.status).toBe("awaiting_approval");
    await a.engine.shutdown();

    const pending = await second.listPending({ agentId: "writer" });
    expect(pending.items).toEqual([
      expect.objectContaining({
        checkpointId: paused.checkpoint!.id,
        runId: paused.runId,
        plugin: "notes",
        action: "publish",
        tier: "CONFIRM",
        params: { text: "hello" },
        approvalId: paused.checkpoint!.approvalId,
      }),
    ]);

    const b = worker(second, [{ content: "published" }]);
    const resumed = await b.engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true, decidedBy: "reviewer" });
    expect(resumed).toMatchObject({ status: "completed", runId: paused.runId, output: "published" });
    expect(b.plugin.published).toEqual([{ text: "hello" }]);
    expect(a.plugin.published).toEqual([]);
    expect((await second.listPending()).items).toEqual([]);
    // A durable store keeps the ended run, as a row with its final state.
    expect(await second.load(paused.runId)).toMatchObject({ status: "completed", output: "published", pending: [] });
    await b.engine.shutdown();
  });

  it("lets exactly one of two engines resolve the same checkpoint; the call runs once", async () => {
    const store = await stores.migrated();
    const a = worker(store, [PUBLISH]);
    const paused = await a.engine.run("writer", "publish hello");
    const racers = [
      worker(stores.store({ schema: store.schema }), [{ content: "first" }]),
      worker(stores.store({ schema: store.schema }), [{ content: "second" }]),
    ];
    const outcomes = await Promise.allSettled(
      racers.map((racer) => racer.engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true })),
    );
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === "rejected");
    expect(refused?.reason).toMatchObject({ code: "CORTEX_CHECKPOINT_NOT_FOUND" });
    expect(racers.flatMap((racer) => racer.plugin.published)).toEqual([{ text: "hello" }]);
    await Promise.all([a, ...racers].map((each) => each.engine.shutdown()));
  });
});
