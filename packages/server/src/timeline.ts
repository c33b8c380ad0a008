import { stat } from "node:fs/promises";
import { isPlainObject } from "@cortex/primitives";
import { fileLines } from "./lines.js";

/** One audit record of a run, as the timeline shows it. */
export interface TimelineEvent {
  /** ISO 8601 time of the record. */
  at: string;
  hook: string;
  /** What happened, e.g. `tool.call`, `checkpoint.resolve`. */
  action: string;
  resource: string;
  resourceId: string;
  outcome: string;
  severity: string;
  reason?: string;
  metadata: Record<string, unknown>;
}

/** Where a run stands, from its audit records. */
export type RunStatus = "running" | "awaiting_approval" | "completed" | "failed";

/** A run as the runs list shows it. */
export interface RunSummary {
  runId: string;
  agentId?: string;
  status: RunStatus;
  startedAt?: string;
  endedAt?: string;
  lastEventAt: string;
  /** Steps started so far. */
  steps: number;
  events: number;
  /** The checkpoint it waits at, while it does. */
  checkpointId?: string;
}

/** Filters and position of a runs page. */
export interface RunsFilter {
  status?: RunStatus;
  agentId?: string;
  /** `nextBefore` of the page before. */
  before?: number;
  limit?: number;
}

/** Runs and their timelines; the server reads them through this. */
export interface TimelineSource {
  /** Reads what was recorded since the last call; resolves to the ids of runs that changed. */
  refresh(): Promise<string[]>;
  /** A page of runs, most recently started first. */
  runs(filter: RunsFilter): { items: RunSummary[]; nextBefore?: number };
  /** A run and its events, oldest first, or undefined when the audit trail has none. */
  timeline(runId: string): { run: RunSummary; events: TimelineEvent[] } | undefined;
}

interface RunEntry {
  order: number;
  summary: RunSummary;
  events: TimelineEvent[];
  checkpoints: string[];
}

const STATUS_OF: Record<string, RunStatus | undefined> = {
  "run.start": "running",
  "checkpoint.create": "awaiting_approval",
  "checkpoint.resolve": "running",
  "run.complete": "completed",
  "run.fail": "failed",
};

function toEvent(value: unknown): TimelineEvent | undefined {
  if (!isPlainObject(value)) return undefined;
  const { timestamp, hook, action, resource, resourceId, outcome, severity, reason, metadata } = value;
  if ([timestamp, hook, action, resource, resourceId].some((field) => typeof field !== "string")) return undefined;
  return {
    at: timestamp as string,
    hook: hook as string,
    action: action as string,
    resource: resource as string,
    resourceId: resourceId as string,
    outcome: typeof outcome === "string" ? outcome : "info",
    severity: typeof severity === "string" ? severity : "info",
    ...(typeof reason === "string" ? { reason } : {}),
    metadata: isPlainObject(metadata) ? metadata : {},
  };
}

/**
 * Runs and timelines from `JsonLinesAuditRecorder` files: each file is read
 * once and then only for what was appended. A last line still being
 * written (or cut off) waits for its newline; a line that is not a record
 * is skipped. A file that shrank or was replaced is read again from the
 * start. Keeps the `maxRuns` most recently started runs.
 */
export class AuditTimeline implements TimelineSource {
  readonly #files: { path: string; offset: number; ino: number }[];
  readonly #maxRuns: number;
  #runs = new Map<string, RunEntry>();
  #checkpointRuns = new Map<string, string>();
  #order = 0;
  #reading: Promise<string[]> | undefined;

  constructor(files: readonly string[], options: { maxRuns: number }) {
    this.#files = files.map((path) => ({ path, offset: 0, ino: -1 }));
    this.#maxRuns = options.maxRuns;
  }

  refresh(): Promise<string[]> {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #read(): Promise<string[]> {
    const changed = new Set<string>();
    for (const file of this.#files) {
      const info = await stat(file.path).catch(() => undefined);
      if (info === undefined) continue;
      if (info.ino !== file.ino && file.ino !== -1) this.#reset();
      if (info.size < file.offset) this.#reset();
      file.ino = info.ino;
      if (info.size === file.offset) continue;
      for await (const line of fileLines(file.path, file.offset)) {
        if (!line.complete) break;
        file.offset = line.end;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line.text);
        } catch {
          continue;
        }
        const event = toEvent(parsed);
        const runId = event && this.#add(event);
        if (runId) changed.add(runId);
      }
    }
    return [...changed];
  }

  /** Forgets everything and reads every file again from its start. */
  #reset(): void {
    this.#runs = new Map();
    this.#checkpointRuns = new Map();
    for (const file of this.#files) {
      file.offset = 0;
      file.ino = -1;
    }
  }

  #runOf(event: TimelineEvent): string | undefined {
    if (event.resource === "run") return event.resourceId;
    if (typeof event.metadata.runId === "string") return event.metadata.runId;
    if (event.resource === "checkpoint") return this.#checkpointRuns.get(event.resourceId);
    return undefined;
  }

  #add(event: TimelineEvent): string | undefined {
    const runId = this.#runOf(event);
    if (runId === undefined) return undefined;
    let entry = this.#runs.get(runId);
    if (entry === undefined) {
      entry = {
        order: ++this.#order,
        summary: { runId, status: "running", lastEventAt: event.at, steps: 0, events: 0 },
        events: [],
        checkpoints: [],
      };
      this.#runs.set(runId, entry);
      this.#evict();
    }
    const { summary } = entry;
    entry.events.push(event);
    summary.events += 1;
    summary.lastEventAt = event.at;
    if (typeof event.metadata.agentId === "string") summary.agentId = event.metadata.agentId;
    if (event.action === "run.start") summary.startedAt = event.at;
    if (event.action === "step.start") summary.steps += 1;
    if (event.action === "run.complete" || event.action === "run.fail") summary.endedAt = event.at;
    if (event.action === "checkpoint.create") {
      this.#checkpointRuns.set(event.resourceId, runId);
      entry.checkpoints.push(event.resourceId);
      summary.checkpointId = event.resourceId;
    }
    if (event.action === "checkpoint.resolve") delete summary.checkpointId;
    summary.status = STATUS_OF[event.action] ?? summary.status;
    return runId;
  }

  #evict(): void {
    while (this.#runs.size > this.#maxRuns) {
      const [oldest, entry] = this.#runs.entries().next().value!;
      for (const checkpoint of entry.checkpoints) this.#checkpointRuns.delete(checkpoint);
      this.#runs.delete(oldest);
    }
  }

  runs(filter: RunsFilter): { items: RunSummary[]; nextBefore?: number } {
    const limit = filter.limit ?? 50;
    const before = filter.before ?? Infinity;
    const items: RunSummary[] = [];
    let last: number | undefined;
    const all = [...this.#runs.values()].reverse();
    let more = false;
    for (const entry of all) {
      if (entry.order >= before) continue;
      if (filter.status !== undefined && entry.summary.status !== filter.status) continue;
      if (filter.agentId !== undefined && entry.summary.agentId !== filter.agentId) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push({ ...entry.summary });
      last = entry.order;
    }
    return more && last !== undefined ? { items, nextBefore: last } : { items };
  }

  timeline(runId: string): { run: RunSummary; events: TimelineEvent[] } | undefined {
    const entry = this.#runs.get(runId);
    if (entry === undefined) return undefined;
    const events = [...entry.events].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return { run: { ...entry.summary }, events };
  }
}
