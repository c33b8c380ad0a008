import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuditExtension,
  createEngine,
  JsonLinesAuditRecorder,
  type Checkpoint,
  type Engine,
  type RunStore,
} from "@cortex/core";
import { FilesPlugin } from "@cortex/plugin-files";
import { MemoryBroker, PluginRegistry, silentLogger, type Principal } from "@cortex/plugins";
import { ScriptedModel, type ScriptedRequest } from "@cortex/testing";
import type { PendingSource, PreviewSource } from "../../src/index.js";
import { pendingFileStore } from "./pending-files.js";

/**
 * The scripted model of every test engine: the run's input is
 * `{"tool": "<plugin>__<action>", "args": {...}}`; the model calls that
 * tool, then answers with what the tool returned. It reads the
 * conversation, not a position, so an engine in another process (or the
 * server's) can continue a run another one paused.
 */
export function scriptedModel(): ScriptedModel {
  const step = (request: ScriptedRequest) => {
    const last = request.messages.at(-1);
    if (last?.role === "tool") return { content: `done: ${last.content}` };
    const input = request.messages.find((message) => message.role === "user");
    const { tool, args } = JSON.parse(input?.content ?? "{}") as { tool: string; args: unknown };
    return { toolCalls: [{ id: "call_1", name: tool, arguments: args }] };
  };
  return new ScriptedModel(Array.from({ length: 1_000 }, () => step));
}

/** The run input that makes the scripted model call `tool` with `args`. */
export const callInput = (tool: string, args: Record<string, unknown>, note?: string): string =>
  JSON.stringify({ tool, args, ...(note === undefined ? {} : { note }) });

/** Previews come from the registry: the files plugin previews `write` and `delete` itself. */
export function filesPreviews(registry: PluginRegistry): PreviewSource {
  return registry;
}

/** One side of a test deployment: a registry with the files plugin and an engine over the shared store. */
export interface Side {
  registry: PluginRegistry;
  engine: Engine;
  previews: PreviewSource;
}

/** A deployment: a sandbox, a run store, an audit file, and the app's engine. */
export interface TestApp extends Side {
  dir: string;
  root: string;
  auditPath: string;
  ledgerPath: string;
  store: RunStore & PendingSource;
  /** Another engine over the same store and audit file, as a second process would have. */
  side(): Side;
  /** Starts a run that calls `tool` with `args` and expects it to pause; resolves to its checkpoint. */
  pause(
    tool: string,
    args: Record<string, unknown>,
    options?: { principal?: Principal; note?: string },
  ): Promise<Checkpoint>;
  close(): Promise<void>;
}

/** Creates a deployment in a temp folder; `store` defaults to a JSON-file store in it. */
export async function makeApp(options: { store?: RunStore & PendingSource } = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), "cortex-server-"));
  const root = join(dir, "sandbox");
  await mkdir(root);
  const auditPath = join(dir, "audit.jsonl");
  const store = options.store ?? pendingFileStore(join(dir, "runs"));
  const sides: Side[] = [];
  const side = (): Side => {
    const registry = new PluginRegistry({ broker: new MemoryBroker({ files_root: root }), logger: silentLogger });
    registry.register(new FilesPlugin());
    const engine = createEngine({
      model: scriptedModel(),
      plugins: registry,
      runStore: store,
      logger: silentLogger,
      agents: [{ id: "writer", tools: ["files"] }],
      extensions: [new AuditExtension({ recorder: new JsonLinesAuditRecorder(auditPath) })],
    });
    const made = { registry, engine, previews: filesPreviews(registry) };
    sides.push(made);
    return made;
  };
  const main = side();
  return {
    ...main,
    dir,
    root,
    auditPath,
    ledgerPath: join(dir, "approvals.ledger.jsonl"),
    store,
    side,
    async pause(tool, args, runOptions = {}) {
      const result = await main.engine.run(
        "writer",
        callInput(tool, args, runOptions.note),
        runOptions.principal ? { principal: runOptions.principal } : {},
      );
      if (result.status !== "awaiting_approval" || !result.checkpoint)
        throw new Error(`expected the run to pause, got ${result.status}: ${JSON.stringify(result.error)}`);
      return result.checkpoint;
    },
    async close() {
      for (const each of sides) await each.engine.shutdown({ timeoutMs: 5_000 });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
