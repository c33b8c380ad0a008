import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readRecording } from "@cortex/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeModel, type FakeTurn } from "./fake-model.js";
import { cortex, makeHost } from "./helpers.js";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const WRITE: FakeTurn[] = [
  { content: "Looking around first.", calls: [{ name: "files__list", arguments: {} }] },
  { calls: [{ name: "files__write", arguments: { path: "out.txt", content: "hi" } }] },
  { content: "All done." },
];

/** Records `cortex run --record run.json --yes` against a fake model server; returns the host and the file. */
async function recordRun() {
  const host = await makeHost();
  const model = await startFakeModel(WRITE);
  close = model.close;
  const env = {
    ...host.env,
    CORTEX_MODEL: "fake",
    CORTEX_MODEL_BASE_URL: model.baseURL,
    CORTEX_MODEL_API_KEY: "sk-cli-secret-key-42",
    CORTEX_MODEL_MAX_RETRIES: "0",
  };
  const run = await cortex(["run", "write out.txt", "--yes", "--record", "run.json"], { cwd: host.dir, env });
  expect(run.code).toBe(0);
  expect(run.stderr).toContain("Recorded the run to");
  return { host, file: join(host.dir, "run.json") };
}

describe("cortex run --record and cortex replay", () => {
  it("records the run with its checkpoint, without the model's API key, and replays it with no divergence", async () => {
    const { host, file } = await recordRun();
    const text = await readFile(file, "utf8");
    expect(text).not.toContain("sk-cli-secret-key-42");
    const recording = readRecording(text);
    expect(recording.host).toMatchObject({ command: "run", maxSteps: 10 });
    expect(recording.modelCalls).toHaveLength(3);
    expect(recording.decisions).toEqual([
      { run: 0, toolName: "files__write", decision: expect.objectContaining({ approved: true }) as unknown },
    ]);
    // No model is configured for the replay: it answers from the recording.
    const replayed = await cortex(["replay", "run.json"], { cwd: host.dir, env: host.env });
    expect(replayed.stderr).toBe("");
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/^No divergence: 3 model calls, 2 tool results and \d+ events as recorded\.\n$/);
  });

  it("exits 1 and prints the first divergence when the recorded run went another way", async () => {
    const { host, file } = await recordRun();
    const recording = readRecording(await readFile(file, "utf8"));
    const first = recording.modelCalls[0]!.request.messages[1] as { content: string };
    first.content = "write out.txt now";
    await writeFile(file, JSON.stringify(recording));
    const replayed = await cortex(["replay", "run.json"], { cwd: host.dir, env: host.env });
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toBe("");
    expect(replayed.stderr).toMatch(
      /^divergence \[model-request\]: run 0 \(agent "cli"\), model call at step 0: the messages differ at messages\[1\]\.content: recorded "write out.txt now", now "write out.txt"\n/,
    );
  });

  it("refuses a file that is not a recording with CORTEX_RECORDING_INVALID", async () => {
    const host = await makeHost();
    await writeFile(join(host.dir, "bad.json"), '{"format":"other"}');
    const replayed = await cortex(["replay", "bad.json"], { cwd: host.dir, env: host.env });
    expect(replayed.code).toBe(1);
    expect(replayed.stderr).toMatch(/^error \[CORTEX_RECORDING_INVALID\]: not a Cortex recording/);
  });
});
