import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { hookMethodName, type Extension, type HookEvent, type HookName } from "@cortex/hooks";

/** How an audited occurrence ended. */
export type AuditOutcome = "started" | "success" | "failure" | "pending" | "approved" | "denied" | "info";

/** One audit record. Never holds raw run input, tool arguments' values or credentials. */
export interface AuditEvent {
  /** ISO 8601 time the record was made. */
  timestamp: string;
  /** The hook that produced it. */
  hook: HookName;
  /** What happened, e.g. `tool.call`, `checkpoint.resolve`. */
  action: string;
  /** The kind of thing it happened to: `run`, `tool`, `checkpoint`, `agent`, `orchestration`, `engine`. */
  resource: string;
  resourceId: string;
  outcome: AuditOutcome;
  severity: "info" | "warning" | "error";
  reason?: string;
  metadata: Record<string, unknown>;
}

/** Where audit records go. `record` may be async; the hook bus waits for it on flush. */
export interface AuditRecorder {
  record(event: AuditEvent): void | Promise<void>;
  /** Writes out what is buffered and releases resources; called on the `shutdown` hook. */
  close?(): Promise<void>;
}

/** Keeps audit records in memory; for tests and small tools. */
export class MemoryAuditRecorder implements AuditRecorder {
  readonly events: AuditEvent[] = [];

  record(event: AuditEvent): void {
    this.events.push(event);
  }
}

/**
 * Appends one JSON object per line to a file (created with mode 0600),
 * in the order records arrive. Writes are batched and serialized; `close()`
 * resolves once every record handed over has reached the file.
 */
export class JsonLinesAuditRecorder implements AuditRecorder {
  #handle: Promise<FileHandle> | undefined;
  #tail: Promise<void> = Promise.resolve();
  #batch: string[] = [];
  #closed = false;

  constructor(readonly path: string) {}

  record(event: AuditEvent): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`audit file ${this.path} is closed`));
    this.#batch.push(`${JSON.stringify(event)}\n`);
    if (this.#batch.length === 1) {
      // The first record of a batch schedules one write that takes every record queued until it runs.
      this.#tail = this.#tail.catch(() => undefined).then(() => this.#write());
    }
    return this.#tail;
  }

  async #write(): Promise<void> {
    const chunk = this.#batch.join("");
    this.#batch = [];
    const handle = (this.#handle ??= open(this.path, "a", 0o600));
    try {
      await (await handle).appendFile(chunk);
    } catch (error) {
      // A file that could not be opened or written is opened afresh for the next records, not given up for good.
      if (this.#handle === handle) this.#handle = undefined;
      await handle.then((file) => file.close()).catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail.catch(() => undefined);
    const handle = this.#handle;
    this.#handle = undefined;
    const file = await handle?.catch(() => undefined);
    await file?.close();
  }
}

type Entry = Omit<AuditEvent, "timestamp" | "hook" | "metadata"> & { metadata?: Record<string, unknown> };

function describe(error: unknown): { reason: string; code?: string } {
  if (typeof error === "object" && error !== null) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    return { reason: typeof message === "string" ? message : "error", ...(typeof code === "string" ? { code } : {}) };
  }
  return { reason: String(error) };
}

const lengthOf = (value: unknown): number =>
  typeof value === "string" ? value.length : JSON.stringify(value ?? null).length;

/** How each hook becomes an audit record. */
const MAPPERS: { [H in HookName]: (event: HookEvent<H>) => Entry } = {
  runStarted: (e) => ({
    action: "run.start",
    resource: "run",
    resourceId: e.runId,
    outcome: "started",
    severity: "info",
    metadata: { agentId: e.agentId, inputLength: lengthOf(e.input) },
  }),
  runCompleted: (e) => ({
    action: "run.complete",
    resource: "run",
    resourceId: e.runId,
    outcome: "success",
    severity: "info",
    metadata: { agentId: e.agentId, elapsedMs: e.elapsedMs, outputLength: lengthOf(e.output) },
  }),
  runFailed: (e) => {
    const { reason, code } = describe(e.error);
    return {
      action: "run.fail",
      resource: "run",
      resourceId: e.runId,
      outcome: "failure",
      severity: "error",
      reason,
      metadata: { agentId: e.agentId, code },
    };
  },
  stepStarted: (e) => ({
    action: "step.start",
    resource: "run",
    resourceId: e.runId,
    outcome: "started",
    severity: "info",
    metadata: { stepIndex: e.stepIndex },
  }),
  stepCompleted: (e) => ({
    action: "step.complete",
    resource: "run",
    resourceId: e.runId,
    outcome: "success",
    severity: "info",
    metadata: { stepIndex: e.stepIndex, elapsedMs: e.elapsedMs },
  }),
  toolCalled: (e) => ({
    action: "tool.call",
    resource: "tool",
    resourceId: e.toolName,
    outcome: "started",
    severity: "info",
    metadata: {
      runId: e.runId,
      argumentNames: typeof e.args === "object" && e.args !== null ? Object.keys(e.args) : [],
    },
  }),
  toolCompleted: (e) => ({
    action: "tool.complete",
    resource: "tool",
    resourceId: e.toolName,
    outcome: "success",
    severity: "info",
    metadata: { runId: e.runId, elapsedMs: e.elapsedMs },
  }),
  toolFailed: (e) => {
    const { reason, code } = describe(e.error);
    return {
      action: "tool.fail",
      resource: "tool",
      resourceId: e.toolName,
      outcome: "failure",
      severity: "warning",
      reason,
      metadata: { runId: e.runId, code },
    };
  },
  personaResolved: (e) => ({
    action: "persona.resolve",
    resource: "agent",
    resourceId: e.agentId,
    outcome: "info",
    severity: "info",
    metadata: { persona: e.personaName },
  }),
  behaviorTriggered: (e) => ({
    action: "behavior.trigger",
    resource: "run",
    resourceId: e.runId,
    outcome: "info",
    severity: "info",
    metadata: { behavior: e.behaviorName },
  }),
  cognitivePhaseChanged: (e) => ({
    action: "phase.change",
    resource: "run",
    resourceId: e.runId,
    outcome: "info",
    severity: "info",
    metadata: { from: e.from, to: e.to },
  }),
  checkpointCreated: (e) => ({
    action: "checkpoint.create",
    resource: "checkpoint",
    resourceId: e.checkpointId,
    outcome: "pending",
    severity: "info",
    reason: e.reason,
    metadata: { runId: e.runId },
  }),
  checkpointResolved: (e) => ({
    action: "checkpoint.resolve",
    resource: "checkpoint",
    resourceId: e.checkpointId,
    outcome: e.decision.approved ? "approved" : "denied",
    severity: e.decision.approved ? "info" : "warning",
    ...(e.decision.reason !== undefined ? { reason: e.decision.reason } : {}),
    metadata: { decidedBy: e.decision.decidedBy ?? null },
  }),
  orchestrationStarted: (e) => ({
    action: "orchestration.start",
    resource: "orchestration",
    resourceId: e.orchestrationId,
    outcome: "started",
    severity: "info",
    metadata: { strategy: e.strategy },
  }),
  orchestrationCompleted: (e) => ({
    action: "orchestration.complete",
    resource: "orchestration",
    resourceId: e.orchestrationId,
    outcome: e.outcome === "failed" ? "failure" : "success",
    severity: e.outcome === "failed" ? "error" : "info",
    metadata: { elapsedMs: e.elapsedMs },
  }),
  agentHandoff: (e) => ({
    action: "agent.handoff",
    resource: "orchestration",
    resourceId: e.orchestrationId,
    outcome: "info",
    severity: "info",
    metadata: { from: e.from, to: e.to, payloadLength: lengthOf(e.payload) },
  }),
  shutdown: () => ({
    action: "engine.shutdown",
    resource: "engine",
    resourceId: "engine",
    outcome: "info",
    severity: "info",
  }),
};

/**
 * Turns every hook into an audit record for a pluggable recorder. Raw run
 * input is never written (its length is), nor tool argument values (their
 * names are); credentials never reach hook events from the registry. On the
 * `shutdown` hook the recorder is closed, so `engine.shutdown()` — which
 * flushes the hook bus — returns only when every record is written.
 */
export class AuditExtension implements Extension {
  readonly name: string;
  readonly #recorder: AuditRecorder;

  constructor(options: { recorder: AuditRecorder; name?: string }) {
    this.name = options.name ?? "audit";
    this.#recorder = options.recorder;
    for (const hook of Object.keys(MAPPERS) as HookName[]) {
      const method = hookMethodName(hook);
      Object.defineProperty(this, method, {
        value: (event: never) => {
          const written = this.#write(hook, event);
          if (hook !== "shutdown") return written;
          // The recorder is closed even when the last record failed; that failure is still reported.
          const close = () => this.#recorder.close?.();
          return Promise.resolve(written).then(close, async (error: unknown) => {
            await close();
            throw error;
          });
        },
      });
    }
  }

  #write(hook: HookName, event: never): void | Promise<void> {
    const entry = (MAPPERS[hook] as (event: never) => Entry)(event);
    return this.#recorder.record({
      timestamp: new Date().toISOString(),
      hook,
      ...entry,
      metadata: entry.metadata ?? {},
    });
  }
}
