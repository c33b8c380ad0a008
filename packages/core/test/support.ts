import {
  ActionTier,
  PluginHealthStatus,
  PluginRegistry,
  silentLogger,
  type Plugin,
  type PluginActionInfo,
  type PluginResult,
} from "@cortex/plugins";
import { FakeBroker, RecordingExtension, ScriptedModel, type ScriptStep } from "@cortex/testing";
import { vi } from "vitest";
import { createEngine, MemoryRunStore, type AgentDefinition, type EngineOptions, type RunState } from "../src/index.js";

/** How a NotesPlugin differs from the usual one: other tiers for some actions, some actions gone. */
export interface NotesChanges {
  tiers?: Partial<Record<string, ActionTier>>;
  without?: string[];
}

/** A small plugin with one action per tier and a few that misbehave, counting every call. */
export class NotesPlugin implements Plugin {
  readonly name = "notes";
  readonly version = "1.0.0";
  readonly description = "Keeps notes";
  readonly calls: { action: string; params: Record<string, unknown> }[] = [];
  readonly notes: string[] = [];
  apiKey = "";
  tornDown = 0;

  constructor(private readonly changes: NotesChanges = {}) {}

  async setup(broker: { get(key: string): Promise<string> }): Promise<void> {
    this.apiKey = await broker.get("notes_api_key");
  }

  async teardown(): Promise<void> {
    this.tornDown += 1;
  }

  listActions(): PluginActionInfo[] {
    const text = {
      type: "object",
      properties: { text: { type: "string", minLength: 1 } },
      required: ["text"],
      additionalProperties: false,
    };
    const { tiers = {}, without = [] } = this.changes;
    const actions: PluginActionInfo[] = [
      { name: "add", description: "Add a note", tier: ActionTier.AUTO, parameters: text },
      { name: "list", description: "List notes", tier: ActionTier.AUTO },
      { name: "publish", description: "Publish a note", tier: ActionTier.CONFIRM, parameters: text },
      { name: "purge", description: "Delete every note", tier: ActionTier.ADMIN },
      { name: "explode", description: "Always throws", tier: ActionTier.AUTO },
      { name: "leak", description: "Fails with the API key in its message", tier: ActionTier.AUTO },
      { name: "slow", description: "Waits until aborted", tier: ActionTier.AUTO },
    ];
    return actions
      .filter((action) => !without.includes(action.name))
      .map((action) => ({ ...action, tier: tiers[action.name] ?? action.tier }));
  }

  async executeAction(
    action: string,
    params: Record<string, unknown>,
    context?: { signal: AbortSignal },
  ): Promise<PluginResult> {
    this.calls.push({ action, params });
    switch (action) {
      case "add":
        this.notes.push(String(params.text));
        return { success: true, data: { count: this.notes.length } };
      case "list":
        return { success: true, data: { notes: [...this.notes] } };
      case "publish":
        return { success: true, data: { published: params.text } };
      case "purge":
        this.notes.length = 0;
        return { success: true, data: { purged: true } };
      case "explode":
        throw new Error("boom");
      case "leak":
        throw new Error(`upstream rejected key ${this.apiKey}`);
      case "slow":
        return new Promise((_, reject) =>
          context?.signal.addEventListener("abort", () => reject(new Error("aborted"))),
        );
      default:
        return { success: false, error: `Unknown action: ${action}` };
    }
  }

  async health() {
    return { plugin: this.name, status: PluginHealthStatus.HEALTHY };
  }
}

export const API_KEY = "sk-test-0123456789abcdef";

/** A tool call step for a ScriptedModel script. */
export function call(name: string, args: unknown, id?: string): ScriptStep {
  return { toolCalls: [{ name, arguments: args, ...(id ? { id } : {}) }] };
}

/** An engine over a NotesPlugin (changed by `notes`), a scripted model and a recording extension. */
export function setup(
  steps: ScriptStep[],
  options: Partial<EngineOptions> & { agent?: Partial<AgentDefinition>; perRun?: boolean; notes?: NotesChanges } = {},
) {
  const plugin = new NotesPlugin(options.notes);
  const broker = new FakeBroker({ notes_api_key: API_KEY });
  const registry = options.plugins ?? new PluginRegistry({ broker, logger: silentLogger });
  if (!options.plugins) registry.register(plugin);
  const model = new ScriptedModel(steps, { perRun: options.perRun ?? false });
  const recorder = new RecordingExtension();
  const { agent, perRun: _perRun, notes: _notes, extensions = [], ...rest } = options;
  const engine = createEngine({
    model,
    plugins: registry,
    extensions: [recorder, ...extensions],
    agents: [{ id: "assistant", instructions: "You keep notes.", ...agent }],
    logger: silentLogger,
    ...rest,
  });
  return { engine, model, plugin, registry, recorder, broker };
}

/** A plugin of AUTO actions, each answered by its function (given the params and the call's signal). */
export function autoPlugin(
  name: string,
  actions: Record<string, (params: Record<string, unknown>, signal?: AbortSignal) => Promise<PluginResult>>,
): Plugin {
  return {
    name,
    version: "1.0.0",
    description: `The ${name} plugin`,
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    listActions: () =>
      Object.keys(actions).map((action) => ({ name: action, description: action, tier: ActionTier.AUTO })),
    executeAction: (action, params, context) => actions[action]!(params, context?.signal),
    health: () => Promise.resolve({ plugin: name, status: PluginHealthStatus.HEALTHY }),
  };
}

/**
 * A plugin whose failures are results, not throws: `fail` returns
 * `{ success: false }` without a code, and `wait` resolves with such a
 * result when its call is aborted (as well-behaved plugins do).
 */
export const softPlugin = (): Plugin =>
  autoPlugin("soft", {
    fail: () => Promise.resolve({ success: false, error: "the soft plugin failed" }),
    wait: (_params, signal) =>
      new Promise((resolve) => signal?.addEventListener("abort", () => resolve({ success: false, error: "stopped" }))),
  });

/** A registry holding a NotesPlugin and a SoftPlugin. */
export function registryWithSoft(): { registry: PluginRegistry; notes: NotesPlugin } {
  const notes = new NotesPlugin();
  const registry = new PluginRegistry({ broker: new FakeBroker({ notes_api_key: API_KEY }), logger: silentLogger });
  registry.register(notes);
  registry.register(softPlugin());
  return { registry, notes };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `body` with timers, `Date` and `performance` faked: the engine's clocks move only when the test
 * advances them (`vi.advanceTimersByTimeAsync`), so the times it measures are exact on a loaded machine too.
 */
export async function withFakeClock<T>(body: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
  try {
    return await body();
  } finally {
    vi.useRealTimers();
  }
}

/** A durable store in memory that can put a run back as its last mid-run save left it, as a crash would. */
export class CrashableStore extends MemoryRunStore {
  readonly durable = true as const;
  readonly #midRun = new Map<string, string>();
  override save(state: RunState): Promise<void> {
    if (state.status === "running") this.#midRun.set(state.runId, JSON.stringify(state));
    return super.save(state);
  }
  /** Puts the run back as it was last saved while running. */
  crash(runId: string): Promise<void> {
    return super.save(JSON.parse(this.#midRun.get(runId)!) as RunState);
  }
}
