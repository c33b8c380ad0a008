import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// A real third-party MCP server from npm in an engine run: its AUTO read runs,
// its CONFIRM write pauses the run at a checkpoint, and a second process
// approves it and the write happens there.

const run = promisify(execFile);
const fixture = join(import.meta.dirname, "fixtures", "engine-run.ts");

interface Output {
  pid: number;
  result: {
    status: string;
    runId: string;
    output?: string;
    checkpoint?: { id: string; plugin?: string; action?: string };
  };
  tiers: Record<string, string>;
  hooks: string[];
  toolMessages: { content: string; name: string }[];
}

async function child(...args: string[]): Promise<Output> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", fixture, ...args], { cwd: import.meta.dirname });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Output;
}

describe("server-filesystem as a Cortex plugin in an engine run", () => {
  it("reads at AUTO, pauses the write at a checkpoint, and finishes it in another process", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-mcp-engine-"));
    const store = join(dir, "runs");
    const root = join(dir, "files");
    await mkdir(root);
    await writeFile(join(root, "in.txt"), "the input");

    const first = await child("pause", store, root);
    expect(first.tiers).toMatchObject({
      read_text_file: "AUTO",
      list_directory: "AUTO",
      write_file: "CONFIRM",
      edit_file: "CONFIRM",
    });
    expect(first.result.status).toBe("awaiting_approval");
    expect(first.toolMessages[0]?.name).toBe("fs__read_text_file");
    expect(first.toolMessages[0]?.content).toContain("the input");
    expect(first.hooks).toContain("checkpointCreated");
    await expect(readFile(join(root, "out.txt"), "utf8")).rejects.toMatchObject({ code: "ENOENT" });

    const second = await child("resume", store, root, first.result.checkpoint!.id);
    expect(second.pid).not.toBe(first.pid);
    expect(second.result).toMatchObject({ status: "completed", runId: first.result.runId, output: "done" });
    expect(second.hooks.slice(0, 2)).toEqual(["checkpointResolved", "toolCompleted"]);
    expect(await readFile(join(root, "out.txt"), "utf8")).toBe("written after approval");
    const write = second.toolMessages.find((m) => m.name === "fs__write_file");
    expect(write?.content).toMatch(/Successfully wrote/);
    // Two node processes start one after another, each starting the server's: up to a minute each on a loaded machine.
  }, 240_000);
});
