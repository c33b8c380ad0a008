import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeModel, type FakeTurn } from "./fake-model.js";
import { cortex, makeHost } from "./helpers.js";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function setup(turns: FakeTurn[]) {
  const host = await makeHost();
  const model = await startFakeModel(turns);
  close = model.close;
  const env = {
    ...host.env,
    CORTEX_MODEL: "fake",
    CORTEX_MODEL_BASE_URL: model.baseURL,
    CORTEX_MODEL_MAX_RETRIES: "0",
  };
  return { host, model, env };
}

const WRITE: FakeTurn[] = [
  { content: "Looking around first.", calls: [{ name: "files__list", arguments: {} }] },
  { calls: [{ name: "files__write", arguments: { path: "out.txt", content: "hi" } }] },
  { content: "All done." },
];

function toolMessages(body: unknown): { content: string }[] {
  return ((body as { messages: { role: string; content: string }[] }).messages ?? []).filter((m) => m.role === "tool");
}

describe("cortex run", () => {
  it("needs a model: without CORTEX_MODEL it exits 1 and names the variables", async () => {
    const host = await makeHost();
    const { code, stderr } = await cortex(["run", "hello"], { cwd: host.dir, env: host.env });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^error \[CORTEX_CLI_MODEL_NOT_CONFIGURED\]: cortex run needs a model, and CORTEX_MODEL is not set/,
    );
    expect(stderr).toContain("CORTEX_MODEL_BASE_URL");
  });

  it("shows steps and tool calls live, offers the installed tools, prints the answer on stdout", async () => {
    const { host, model, env } = await setup([
      { calls: [{ name: "files__read", arguments: { path: "hello.txt" } }] },
      { content: "It says hello." },
    ]);
    const { code, stdout, stderr } = await cortex(["run", "What does hello.txt say?"], { cwd: host.dir, env });
    expect(code).toBe(0);
    expect(stdout).toBe("It says hello.\n");
    expect(stderr).toContain("Step 1");
    expect(stderr).toContain('→ files__read {"path":"hello.txt"}');
    expect(stderr).toMatch(/✓ files__read \(\d+ ms\)/);
    expect(stderr).toContain("Step 2");
    const first = model.bodies[0] as { tools: { function: { name: string } }[] };
    expect(first.tools.map((t) => t.function.name)).toEqual(
      expect.arrayContaining(["files__read", "calendar__create_event"]),
    );
    expect(toolMessages(model.bodies[1])[0]!.content).toContain("hello from the sandbox");
  });

  it("denies a checkpoint without a terminal and without --yes; the model is told and the run goes on", async () => {
    const { host, model, env } = await setup(WRITE);
    const { code, stdout, stderr } = await cortex(["run", "write out.txt"], { cwd: host.dir, env });
    expect(code).toBe(0);
    // Every step's text streams to stdout, the words said beside tool calls too.
    expect(stdout).toBe("Looking around first.\nAll done.\n");
    expect(stderr).toMatch(/⏸ checkpoint cp_\S+: files\.write is a CONFIRM action and needs approval/);
    expect(stderr).toContain("✗ denied by cli (no terminal to ask for approval, and --yes was not given)");
    expect(existsSync(join(host.root, "out.txt"))).toBe(false);
    expect(toolMessages(model.bodies[2]).at(-1)!.content).toContain("CORTEX_APPROVAL_DENIED");
  });

  it("approves checkpoints with --yes (engine.resolveCheckpoint) and the call runs", async () => {
    const { host, env } = await setup(WRITE);
    const { code, stderr } = await cortex(["run", "write out.txt", "--yes"], { cwd: host.dir, env });
    expect(code).toBe(0);
    expect(stderr).toContain("✓ approved by cli (automatically, --yes was given)");
    expect(stderr).toMatch(/✓ files__write \(\d+ ms\)/);
    expect(await readFile(join(host.root, "out.txt"), "utf8")).toBe("hi");
  });

  it("refuses ADMIN calls without --admin before any approval (even with --yes), and runs them with --admin --yes", async () => {
    const turns: FakeTurn[] = [
      { calls: [{ name: "files__delete", arguments: { path: "hello.txt" } }] },
      { content: "ok" },
    ];
    const first = await setup(turns);
    const denied = await cortex(["run", "delete hello.txt", "--yes"], { cwd: first.host.dir, env: first.env });
    expect(denied.code).toBe(0);
    expect(denied.stderr).toContain(
      '✗ files__delete [CORTEX_FORBIDDEN] "files.delete" (ADMIN) is forbidden: no principal was given',
    );
    expect(denied.stderr).toContain("hint: ADMIN actions need --admin (or --principal <id>)");
    expect(denied.stderr).not.toContain("checkpoint");
    expect(denied.stderr).not.toContain("approved");
    expect(existsSync(join(first.host.root, "hello.txt"))).toBe(true);
    await close?.();
    const second = await setup(turns);
    const allowed = await cortex(["run", "delete hello.txt", "--yes", "--admin"], {
      cwd: second.host.dir,
      env: second.env,
    });
    expect(allowed.code).toBe(0);
    expect(existsSync(join(second.host.root, "hello.txt"))).toBe(false);
  });

  it("exits 1 with the run's error code when the run fails", async () => {
    const { host, env } = await setup([
      { calls: [{ name: "files__list", arguments: {} }] },
      { calls: [{ name: "files__list", arguments: {} }] },
    ]);
    const { code, stderr } = await cortex(["run", "loop", "--max-steps", "2"], { cwd: host.dir, env });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error \[CORTEX_STEP_LIMIT\]: /m);
  });

  it("asks the model for a stream and prints its text on stdout as it arrives", async () => {
    const { host, model, env } = await setup([{ content: "Three words here, and a second\nline." }]);
    const { code, stdout } = await cortex(["run", "Say something"], { cwd: host.dir, env });
    expect(code).toBe(0);
    expect(stdout).toBe("Three words here, and a second\nline.\n");
    expect(model.bodies[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it("--json prints every event of the run as one JSON object per line, through a checkpoint, finish last", async () => {
    const { host, env } = await setup(WRITE);
    const { code, stdout } = await cortex(["run", "write out.txt", "--yes", "--json"], { cwd: host.dir, env });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    const events = lines.map((line) => JSON.parse(line) as { type: string; [key: string]: unknown });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("run-start");
    expect(types).toContain("text-delta");
    // The paused call is announced once, before it pauses; the resumed run runs it without a second tool-call.
    expect(events.filter((e) => e.type === "tool-call").map((e) => e.toolName)).toEqual([
      "files__list",
      "files__write",
    ]);
    expect(events.filter((e) => e.type === "tool-result").map((e) => [e.toolName, e.ok])).toEqual([
      ["files__list", true],
      ["files__write", true],
    ]);
    expect(events.find((e) => e.type === "checkpoint")).toMatchObject({
      checkpoint: { plugin: "files", action: "write", tier: "CONFIRM" },
    });
    // The paused run's stream ends with its finish; the resumed one starts again and ends completed.
    expect(events.filter((e) => e.type === "finish").map((e) => (e.result as { status: string }).status)).toEqual([
      "awaiting_approval",
      "completed",
    ]);
    expect(events.filter((e) => e.type === "run-start").map((e) => e.resumed)).toEqual([false, true]);
    expect(events.at(-1)).toMatchObject({ type: "finish", result: { output: "All done.", usage: { inputTokens: 3 } } });
    const text = events.filter((e) => e.type === "text-delta").map((e) => e.text as string);
    expect(text.join("")).toBe("Looking around first.All done.");
    expect(await readFile(join(host.root, "out.txt"), "utf8")).toBe("hi");
  });

  it("runs CORTEX_MODEL=provider:model through @cortex/model-ai-sdk, streaming", async () => {
    const { host, model, env } = await setup([
      { calls: [{ name: "files__read", arguments: { path: "hello.txt" } }] },
      { content: "It says hello." },
    ]);
    const { code, stdout, stderr } = await cortex(["run", "What does hello.txt say?"], {
      cwd: host.dir,
      env: { ...env, CORTEX_MODEL: "openai-compatible:fake" },
    });
    expect(stderr).toContain('→ files__read {"path":"hello.txt"}');
    expect(code).toBe(0);
    expect(stdout).toBe("It says hello.\n");
    expect(model.bodies[0]).toMatchObject({ model: "fake", stream: true });
    // The AI SDK's provider made the requests, not the openai client (which sends x-stainless-* headers).
    expect(String(model.headers[0]!["user-agent"])).toMatch(/ai-sdk/);
    expect(Object.keys(model.headers[0]!).some((name) => name.startsWith("x-stainless"))).toBe(false);
    expect(toolMessages(model.bodies[1])[0]!.content).toContain("hello from the sandbox");
  });
});
