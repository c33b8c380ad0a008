import { appendFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditTimeline } from "../src/index.js";
import { useTempDirs } from "./support/ledger.js";

const tempDir = useTempDirs();

const record = (action: string, resource: string, resourceId: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ timestamp: new Date().toISOString(), hook: "x", action, resource, resourceId, outcome: "info", severity: "info", metadata: {}, ...extra })}\n`;

describe("AuditTimeline", () => {
  it("builds runs and their timelines from audit records, reading only what was appended", async () => {
    const file = join(await tempDir(), "audit.jsonl");
    await writeFile(
      file,
      record("run.start", "run", "run_1", { metadata: { agentId: "writer" } }) +
        record("step.start", "run", "run_1") +
        record("tool.call", "tool", "files__write", { metadata: { runId: "run_1" } }) +
        record("checkpoint.create", "checkpoint", "cp_1", { metadata: { runId: "run_1" }, outcome: "pending" }),
    );
    const timeline = new AuditTimeline([file], { maxRuns: 10 });
    expect(await timeline.refresh()).toEqual(["run_1"]);
    expect(timeline.runs({}).items).toEqual([
      expect.objectContaining({
        runId: "run_1",
        agentId: "writer",
        status: "awaiting_approval",
        steps: 1,
        events: 4,
        checkpointId: "cp_1",
      }),
    ]);
    await appendFile(
      file,
      record("checkpoint.resolve", "checkpoint", "cp_1", { outcome: "approved", reason: "ok" }) +
        record("run.complete", "run", "run_1"),
    );
    expect(await timeline.refresh()).toEqual(["run_1"]);
    const found = timeline.timeline("run_1")!;
    expect(found.run).toMatchObject({ status: "completed", events: 6 });
    expect(found.run.checkpointId).toBeUndefined();
    expect(found.events.map((event) => event.action)).toEqual([
      "run.start",
      "step.start",
      "tool.call",
      "checkpoint.create",
      "checkpoint.resolve",
      "run.complete",
    ]);
    expect(found.events[4]).toMatchObject({ reason: "ok", outcome: "approved" });
    expect(await timeline.refresh()).toEqual([]);
  });

  it("tolerates a last line still being written and lines that are not records", async () => {
    const file = join(await tempDir(), "audit.jsonl");
    await writeFile(file, record("run.start", "run", "run_1") + "not json\n" + '{"half":');
    const timeline = new AuditTimeline([file], { maxRuns: 10 });
    await timeline.refresh();
    expect(timeline.timeline("run_1")!.events).toHaveLength(1);
    await appendFile(file, ' "line"}\n' + record("run.fail", "run", "run_1", { reason: "boom" }));
    await timeline.refresh();
    expect(timeline.timeline("run_1")!.run).toMatchObject({ status: "failed", events: 2 });
  });

  it("reads a replaced or truncated file again from its start, merges several files, and keeps the newest runs", async () => {
    const dir = await tempDir();
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    await writeFile(a, record("run.start", "run", "run_1") + record("run.start", "run", "run_2"));
    await writeFile(b, record("run.start", "run", "run_3"));
    const timeline = new AuditTimeline([a, b, join(dir, "missing.jsonl")], { maxRuns: 2 });
    await timeline.refresh();
    expect(timeline.runs({}).items.map((run) => run.runId)).toEqual(["run_3", "run_2"]);
    expect(timeline.runs({ limit: 1 })).toMatchObject({
      items: [{ runId: "run_3" }],
      nextBefore: expect.any(Number) as number,
    });
    await writeFile(`${a}.new`, record("run.start", "run", "run_9"));
    await rename(`${a}.new`, a);
    await timeline.refresh();
    await timeline.refresh();
    expect(
      timeline
        .runs({})
        .items.map((run) => run.runId)
        .sort(),
    ).toEqual(["run_3", "run_9"]);
    expect(timeline.runs({ status: "completed" }).items).toEqual([]);
  });
});
