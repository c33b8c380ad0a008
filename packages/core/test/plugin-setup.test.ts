import {
  ActionTier,
  PluginHealthStatus,
  PluginRegistry,
  silentLogger,
  type Plugin,
  type PluginActionInfo,
} from "@cortex/plugins";
import type { Logger } from "@cortex/primitives";
import { FakeBroker, ScriptedModel, type ScriptStep } from "@cortex/testing";
import { describe, expect, it } from "vitest";
import { createEngine, MemoryRunStore, type AgentDefinition, type RunStore } from "../src/index.js";
import { API_KEY, call, NotesPlugin, sleep } from "./support.js";

/** A plugin that, like an MCP server, lists its actions only once its setup ran; `setup` decides how that goes. */
class LatePlugin implements Plugin {
  readonly version = "1.0.0";
  readonly description = "Lists its actions at setup";
  readonly calls: string[] = [];
  setups = 0;
  #ready = false;

  constructor(
    readonly name: string,
    private readonly start: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async setup(): Promise<void> {
    this.setups += 1;
    await this.start();
    this.#ready = true;
  }

  async teardown(): Promise<void> {
    this.#ready = false;
  }

  listActions(): PluginActionInfo[] {
    if (!this.#ready) return [];
    return [
      { name: "fetch", description: "Fetch a thing", tier: ActionTier.AUTO },
      { name: "send", description: "Send a thing", tier: ActionTier.CONFIRM },
    ];
  }

  async executeAction(action: string): Promise<{ success: true; data: string }> {
    this.calls.push(action);
    return { success: true, data: `${this.name} ${action} done` };
  }

  async health() {
    return { plugin: this.name, status: PluginHealthStatus.HEALTHY };
  }
}

/** A logger that keeps its warnings. */
function warnings(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { ...silentLogger, lines, warn: (message: string) => void lines.push(message) };
}

function engineOver(
  plugins: Plugin[],
  steps: ScriptStep[],
  agent: Partial<AgentDefinition>,
  options: { logger?: Logger; runStore?: RunStore } = {},
) {
  const registry = new PluginRegistry({ broker: new FakeBroker({ notes_api_key: API_KEY }), logger: silentLogger });
  for (const plugin of plugins) registry.register(plugin);
  const model = new ScriptedModel(steps);
  const engine = createEngine({
    model,
    plugins: registry,
    agents: [{ id: "assistant", ...agent }],
    logger: options.logger ?? silentLogger,
    ...(options.runStore ? { runStore: options.runStore } : {}),
  });
  return { engine, model, registry };
}

const offered = (model: ScriptedModel, index = 0) => model.requests[index]!.tools.map((t) => t.name).sort();

describe("plugins whose actions appear at setup", () => {
  it("are set up before the run reads its tools, when the agent may use them; the others keep their lazy setup", async () => {
    const notes = new NotesPlugin();
    const remote = new LatePlugin("remote");
    const other = new LatePlugin("other");
    const { engine, model, registry } = engineOver(
      [notes, remote, other],
      [call("remote__fetch", {}, "c1"), { content: "done" }],
      { tools: ["notes.add", "remote"] },
    );
    const result = await engine.run("assistant", "fetch it");
    expect(result).toMatchObject({ status: "completed", output: "done" });
    expect(offered(model)).toEqual(["notes__add", "remote__fetch", "remote__send"]);
    expect(remote.calls).toEqual(["fetch"]);
    expect(model.requests[1]!.messages.find((m) => m.role === "tool")).toMatchObject({
      name: "remote__fetch",
      content: expect.stringContaining("remote fetch done") as string,
    });
    // Notes lists its actions without setup: it is set up at its first call, as before. Other is out of reach.
    expect(registry.state("notes")).toBe("pending");
    expect([other.setups, registry.state("other")]).toEqual([0, "pending"]);
    expect(remote.setups).toBe(1);

    // Set up once: the next run finds it ready and sets nothing up again.
    await engine.run("assistant", "again");
    expect(remote.setups).toBe(1);
  });

  it("an agent that allows every tool sets up every such plugin", async () => {
    const a = new LatePlugin("a");
    const b = new LatePlugin("b");
    const { engine, model } = engineOver([a, b], [{ content: "done" }], {});
    await engine.run("assistant", "x");
    expect(offered(model)).toEqual(["a__fetch", "a__send", "b__fetch", "b__send"]);
  });

  it("one whose setup fails is left out of the run's tools and logged; the run goes on, and so do later runs", async () => {
    const logger = warnings();
    const broken = new LatePlugin("broken", () => Promise.reject(new Error("cannot start the server")));
    const { engine, model, registry } = engineOver(
      [new NotesPlugin(), broken],
      [{ content: "first" }, { content: "second" }],
      { tools: ["notes.list", "broken"] },
      { logger },
    );
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed", output: "first" });
    expect(offered(model)).toEqual(["notes__list"]);
    expect(registry.state("broken")).toBe("failed");
    expect(logger.lines.filter((line) => line.includes('plugin "broken" offers this run no tools'))).toHaveLength(1);
    // A pattern that reaches only a plugin whose setup failed does not refuse the next run.
    expect(await engine.run("assistant", "y")).toMatchObject({ status: "completed", output: "second" });
    expect(broken.setups).toBe(1);
  });

  it("a pattern for such a plugin does not refuse the run before its setup; a pattern matching nothing still does", async () => {
    const remote = new LatePlugin("remote");
    const { engine, model } = engineOver([remote], [{ content: "done" }], { tools: ["remote.fetch"] });
    engine.defineAgent({ id: "typo", tools: ["remtoe.fetch"] });
    await expect(engine.run("typo", "x")).rejects.toMatchObject({ code: "CORTEX_NO_MATCHING_TOOLS" });
    expect(remote.setups).toBe(0);
    expect(await engine.run("assistant", "x")).toMatchObject({ status: "completed" });
    expect(offered(model)).toEqual(["remote__fetch"]);
  });

  it("a run resumed by a fresh engine sets the plugin up before it runs the paused call", async () => {
    const runStore = new MemoryRunStore();
    const first = engineOver([new LatePlugin("remote")], [call("remote__send", {}, "s1")], {}, { runStore });
    const paused = await first.engine.run("assistant", "send it");
    expect(paused).toMatchObject({ status: "awaiting_approval" });

    const remote = new LatePlugin("remote");
    const second = engineOver([remote], [{ content: "sent" }], {}, { runStore });
    const done = await second.engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true, decidedBy: "test" });
    expect(done).toMatchObject({ status: "completed", output: "sent" });
    expect(remote.calls).toEqual(["send"]);
  });

  it("an abort during a slow setup fails the run as aborted without waiting for the setup", async () => {
    const slow = new LatePlugin("slow", () => sleep(60_000));
    const { engine } = engineOver([slow], [{ content: "never" }], {});
    const controller = new AbortController();
    const running = engine.run("assistant", "x", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    const started = Date.now();
    expect(await running).toMatchObject({ status: "failed", error: { code: "CORTEX_RUN_ABORTED" } });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
