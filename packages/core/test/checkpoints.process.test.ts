import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const fixture = join(import.meta.dirname, "fixtures", "two-process.ts");

async function child(...args: string[]) {
  const { stdout } = await run(process.execPath, ["--import", "tsx", fixture, ...args], { cwd: import.meta.dirname });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as {
    pid: number;
    result: { status: string; runId: string; output?: string; checkpoint?: { id: string } };
    results: { status: string; runId: string; output?: string; checkpoint?: { id: string } }[];
    calls: unknown[];
    hooks: string[];
    seqs: number[];
    failures: string[];
    requests: unknown[][];
  };
}

describe("a paused run resumes in another process", () => {
  it("pauses in one process and completes the approved call in a second", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-two-process-"));
    const first = await child("pause", dir);
    expect(first.result.status).toBe("awaiting_approval");
    expect(first.calls).toEqual([]);
    expect(first.hooks).toEqual([
      "runStarted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "toolCalled",
      "checkpointCreated",
      "shutdown",
    ]);

    const second = await child("resume", dir, first.result.checkpoint!.id);
    expect(second.pid).not.toBe(first.pid);
    expect(second.result).toMatchObject({ status: "completed", runId: first.result.runId, output: "published" });
    expect(second.calls).toEqual([{ action: "publish", params: { text: "from process one" } }]);
    expect(second.hooks).toEqual([
      "checkpointResolved",
      "toolCompleted",
      "stepCompleted",
      "stepStarted",
      "modelCalled",
      "modelCompleted",
      "stepCompleted",
      "runCompleted",
      "shutdown",
    ]);
    // The second process numbers its events on from the first's, without a gap.
    expect(first.seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(second.seqs).toEqual([7, 8, 9, 10, 11, 12, 13, 14]);
    expect(second.requests[0]).toEqual([
      { role: "user", content: "publish it" },
      { role: "assistant", toolCalls: [{ id: "c1", name: "notes__publish", arguments: { text: "from process one" } }] },
      {
        role: "tool",
        toolCallId: "c1",
        name: "notes__publish",
        content: JSON.stringify({ ok: true, data: { published: "from process one" } }),
      },
    ]);

    await expect(child("resume", dir, first.result.checkpoint!.id)).rejects.toThrow(
      /CORTEX_CHECKPOINT_NOT_FOUND|No run is paused/,
    );
    // Three node processes start one after another: up to a minute each where every package's tests share two cores.
  }, 180_000);
});

describe("the decision recorded at a checkpoint governs in the resuming process", () => {
  it("never runs a denied call, nor an approved one whose tier changed or whose action is gone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-two-process-"));
    const first = await child("pause", dir, "3");
    expect(first.results.map((r) => r.status)).toEqual(["awaiting_approval", "awaiting_approval", "awaiting_approval"]);
    const [denied, approved, gone] = first.results.map((r) => r.checkpoint!.id);

    // The resuming process's plugin now says notes__publish is AUTO.
    const auto = await child("resume-each", dir, "auto", `${denied}=deny`, `${approved}=approve`);
    expect(auto.results.map((r) => r.status)).toEqual(["completed", "completed"]);
    expect(auto.calls).toEqual([]);
    expect(auto.failures).toEqual(["CORTEX_APPROVAL_DENIED", "CORTEX_TIER_CHANGED"]);

    // The resuming process has no notes__publish at all.
    const without = await child("resume-each", dir, "gone", `${gone}=approve`);
    expect(without.results.map((r) => r.status)).toEqual(["completed"]);
    expect(without.calls).toEqual([]);
    expect(without.failures).toEqual(["CORTEX_TIER_CHANGED"]);
    // Three node processes start one after another: up to a minute each on a loaded machine.
  }, 180_000);
});
