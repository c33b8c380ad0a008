import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { ModelMessage, RunResult, RunStreamEvent, StoredSession } from "../src/index.js";

const run = promisify(execFile);
const fixture = join(import.meta.dirname, "fixtures", "session-process.ts");

interface Output {
  pid: number;
  events: RunStreamEvent[];
  result?: RunResult;
  error?: string;
  seqs: number[];
  requests: ModelMessage[][];
  session?: StoredSession;
}

async function child(...args: string[]): Promise<Output> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", fixture, ...args], { cwd: import.meta.dirname });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Output;
}

const types = (output: Output) => output.events.map((e) => e.type);

describe("sessions and streams across processes (JSON-file stores)", () => {
  it("keeps a conversation over turns in separate processes, and a paused streamed turn resumes in another", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-session-process-"));
    const first = await child("turn", dir, "chat", "I am Ana", "Hello Ana.");
    expect(first.result).toMatchObject({ status: "completed", output: "Hello Ana.", sessionId: "chat" });
    expect(first.events.filter((e) => e.type === "text-delta").map((e) => (e as { text: string }).text)).toEqual([
      "Hel",
      "lo Ana.",
    ]);

    const second = await child("turn", dir, "chat", "Who am I?", "You are Ana.");
    expect(second.pid).not.toBe(first.pid);
    expect(second.requests[0]).toEqual([
      { role: "user", content: "I am Ana" },
      { role: "assistant", content: "Hello Ana." },
      { role: "user", content: "Who am I?" },
    ]);

    // A third process streams a turn that pauses at a checkpoint: the session holds the turn so far, and is held.
    const paused = await child("pause", dir, "chat", "Publish hello");
    expect(types(paused)).toEqual(["run-start", "step-start", "tool-call", "checkpoint", "finish"]);
    expect(paused.result).toMatchObject({ status: "awaiting_approval" });
    expect(paused.session!.messages.slice(4)).toEqual([
      { role: "user", content: "Publish hello" },
      { role: "assistant", toolCalls: [{ id: "c1", name: "notes__publish", arguments: { text: "hello" } }] },
    ]);
    expect(paused.session!.lease).toEqual({ runId: paused.result!.runId });
    const busy = await child("turn", dir, "chat", "Anyone there?", "never");
    expect(busy.error).toBe("CORTEX_SESSION_BUSY");

    // A fourth process resolves it and streams the rest of the run, in the same session.
    const checkpointId = (paused.events[3] as { checkpoint: { id: string } }).checkpoint.id;
    const resumed = await child("resume", dir, checkpointId, "Published.");
    expect(types(resumed)).toEqual([
      "run-start",
      "tool-result",
      "step-finish",
      "step-start",
      "text-delta",
      "text-delta",
      "step-finish",
      "finish",
    ]);
    expect(resumed.result).toMatchObject({
      status: "completed",
      runId: paused.result!.runId,
      sessionId: "chat",
      output: "Published.",
      usage: { inputTokens: 10, outputTokens: 3 },
    });
    expect(resumed.requests[0]!.slice(0, 4)).toEqual(
      second.requests[0]!.concat({ role: "assistant", content: "You are Ana." }),
    );
    expect(resumed.session!.messages.map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "user",
      "assistant",
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
    expect(resumed.session!.lease).toBeUndefined();
    // The run's events are numbered on from the pausing process, without a gap.
    expect(paused.seqs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(resumed.seqs).toEqual([7, 8, 9, 10, 11, 12, 13, 14]);

    const after = await child("turn", dir, "chat", "Thanks", "Welcome.");
    expect(after.result).toMatchObject({ status: "completed" });
    expect(after.session!.messages).toHaveLength(10);
    // Six node processes start one after another: up to a minute each where every package's tests share two cores.
  }, 360_000);
});
