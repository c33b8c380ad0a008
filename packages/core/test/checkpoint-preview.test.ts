import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ActionTier,
  PluginHealthStatus,
  PluginRegistry,
  silentLogger,
  type ActionPreview,
  type Plugin,
} from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { describe, expect, it } from "vitest";
import { JsonFileRunStore, MemoryRunStore, type RunStore, type RunStreamEvent } from "../src/index.js";
import { call, setup } from "./support.js";

/** A plugin with one CONFIRM action whose preview is `preview` (none when undefined). */
function docsPlugin(preview?: (params: Record<string, unknown>) => Promise<ActionPreview | undefined>): Plugin {
  return {
    name: "docs",
    version: "1.0.0",
    description: "Edits documents",
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    listActions: () => [{ name: "rename", description: "Rename a document", tier: ActionTier.CONFIRM }],
    executeAction: () => Promise.resolve({ success: true, data: { renamed: true } }),
    health: () => Promise.resolve({ plugin: "docs", status: PluginHealthStatus.HEALTHY }),
    ...(preview === undefined
      ? {}
      : { preview: (_action: string, params: Record<string, unknown>) => preview(params) }),
  };
}

function registryWith(plugin: Plugin): PluginRegistry {
  const registry = new PluginRegistry({ broker: new FakeBroker({}), logger: silentLogger });
  registry.register(plugin);
  return registry;
}

/** A logger that keeps its debug lines about previews. */
function debugLog() {
  const lines: { message: string; fields?: Record<string, unknown> }[] = [];
  const logger = {
    ...silentLogger,
    debug: (message: string, fields?: Record<string, unknown>) => {
      if (message.includes("preview")) lines.push({ message, fields });
    },
  };
  return { logger, lines };
}

const rename = () => [call("docs__rename", { from: "a.md", to: "b.md" }, "c1"), { content: "renamed" }];
const summary: ActionPreview = { summary: "rename a.md to b.md", diff: "-a.md\n+b.md", details: { size: 3 } };

const stores: [string, (dir: string) => RunStore][] = [
  ["MemoryRunStore", () => new MemoryRunStore()],
  ["JsonFileRunStore", (dir) => new JsonFileRunStore(dir)],
];

describe.each(stores)("checkpoint previews with %s", (name, make) => {
  it("carry the plugin's preview in the checkpoint, its stream event, the stored run and listPending", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-preview-"));
    const runStore = make(dir);
    const { engine } = setup(rename(), { runStore, plugins: registryWith(docsPlugin(() => Promise.resolve(summary))) });
    const stream = engine.stream("assistant", "rename a to b");
    const events: RunStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const paused = await stream.result;
    expect(paused.checkpoint).toMatchObject({ plugin: "docs", action: "rename", preview: summary });
    expect(events.find((e) => e.type === "checkpoint")).toMatchObject({ checkpoint: { preview: summary } });
    expect((await engine.getRun(paused.runId))?.checkpoint?.preview).toEqual(summary);
    expect((await engine.listPending()).items).toEqual([expect.objectContaining({ preview: summary })]);
    if (name === "JsonFileRunStore") {
      // Another store on the folder, as another process would open it, reads the same preview.
      const other = new JsonFileRunStore(dir);
      expect((await other.listPending()).items[0]?.preview).toEqual(summary);
      expect((await other.load(paused.runId))?.checkpoint?.preview).toEqual(summary);
    }
    const done = await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true });
    expect(done).toMatchObject({ status: "completed", output: "renamed" });
  });
});

describe("checkpoint previews", () => {
  it("are left out when the plugin offers none", async () => {
    const { engine } = setup(rename(), { plugins: registryWith(docsPlugin()) });
    const paused = await engine.run("assistant", "rename");
    expect(paused.status).toBe("awaiting_approval");
    expect(paused.checkpoint).not.toHaveProperty("preview");
    expect((await engine.listPending()).items[0]).not.toHaveProperty("preview");
  });

  it("never stop a pause: a preview that throws leaves the checkpoint without one, logged at debug", async () => {
    const { logger, lines } = debugLog();
    const plugins = registryWith(docsPlugin(() => Promise.reject(new Error("preview broke"))));
    const { engine } = setup(rename(), { plugins, logger });
    const paused = await engine.run("assistant", "rename");
    expect(paused.status).toBe("awaiting_approval");
    expect(paused.checkpoint).not.toHaveProperty("preview");
    expect(lines).toEqual([
      {
        message: expect.stringContaining("without a preview") as string,
        fields: expect.objectContaining({
          checkpointId: paused.checkpoint!.id,
          plugin: "docs",
          action: "rename",
        }) as object,
      },
    ]);
    expect(await engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true })).toMatchObject({
      status: "completed",
    });
  });

  it("never hold a pause past previewTimeoutMs: a preview that never answers is left out", async () => {
    const { logger, lines } = debugLog();
    const plugins = registryWith(docsPlugin(() => new Promise<never>(() => undefined)));
    const { engine } = setup(rename(), { plugins, logger, previewTimeoutMs: 20 });
    const paused = await engine.run("assistant", "rename");
    expect(paused.status).toBe("awaiting_approval");
    expect(paused.checkpoint).not.toHaveProperty("preview");
    expect(lines.map((l) => (l.fields?.error as { code?: string } | undefined)?.code)).toEqual(["CORTEX_TIMEOUT"]);
  });

  it("refuse a previewTimeoutMs that is not a finite number of ms above 0", () => {
    for (const previewTimeoutMs of [0, -1, Infinity, Number.NaN]) {
      expect(() => setup([], { previewTimeoutMs })).toThrow(expect.objectContaining({ option: "previewTimeoutMs" }));
    }
  });
});
