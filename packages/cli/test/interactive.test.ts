import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main, type CliIO } from "../src/index.js";
import { makeHost, removeLater, tempDir } from "./helpers.js";

/**
 * In-process `main` as if at a terminal: each time the y/N question is
 * printed, the next scripted answer is typed (or stdin ends when none is left).
 */
function terminal(answers: string[], extra: Partial<CliIO>) {
  const stdin = new PassThrough();
  let out = "";
  let err = "";
  const stderr = {
    write(chunk: string) {
      err += chunk;
      if (chunk.includes("Approve this exact call? [y/N]")) {
        const answer = answers.shift();
        setImmediate(() => (answer === undefined ? stdin.end() : stdin.write(`${answer}\n`)));
      }
      return true;
    },
  };
  const stdout = { write: (chunk: string) => ((out += chunk), true) };
  const io: Partial<CliIO> = { stdin, stdout, stderr, interactive: true, color: false, ...extra };
  return { io, output: () => ({ out, err }) };
}

describe("approval prompts on a terminal", () => {
  it("exec shows the exact call and runs it when the answer is y", async () => {
    const host = await makeHost();
    const t = terminal(["y"], { cwd: host.dir, env: host.env });
    const code = await main(["exec", "files", "write", '{"path":"a.txt","content":"A"}'], t.io);
    const { out, err } = t.output();
    expect(code).toBe(0);
    expect(err).toContain("Approval needed: files.write (CONFIRM)");
    expect(err).toContain('  "path": "a.txt",');
    expect(err).toContain('  "content": "A"');
    expect(JSON.parse(out)).toMatchObject({ success: true });
    expect(await readFile(join(host.root, "a.txt"), "utf8")).toBe("A");
  });

  it.each([["n"], [""], ["maybe"]])("exec treats %j as no: denied, exit 1, nothing written", async (answer) => {
    const host = await makeHost();
    const t = terminal([answer], { cwd: host.dir, env: host.env });
    const code = await main(["exec", "files", "write", '{"path":"a.txt","content":"A"}'], t.io);
    expect(code).toBe(1);
    expect(t.output().err).toMatch(/error \[CORTEX_APPROVAL_DENIED\]: "files\.write" was denied by cli user/);
    expect(existsSync(join(host.root, "a.txt"))).toBe(false);
  });

  it("exec denies when input ends before an answer", async () => {
    const host = await makeHost();
    const t = terminal([], { cwd: host.dir, env: host.env });
    expect(await main(["exec", "files", "write", '{"path":"a.txt","content":"A"}'], t.io)).toBe(1);
    expect(t.output().err).toContain("CORTEX_APPROVAL_DENIED");
  });

  it("exec asks for an ADMIN call only with --admin, naming the principal", async () => {
    const host = await makeHost();
    const t = terminal(["yes"], { cwd: host.dir, env: host.env });
    const code = await main(["exec", "files", "delete", '{"path":"hello.txt"}', "--principal", "alice"], t.io);
    expect(code).toBe(0);
    expect(t.output().err).toContain("Approval needed: files.delete (ADMIN)");
    expect(t.output().err).toContain('acting as principal "alice"');
  });

  it("the demo asks at each checkpoint and resumes the run with the answer", async () => {
    const t = terminal(["y", "n"], { cwd: await tempDir(), env: {} });
    const code = await main(["demo"], t.io);
    const { out, err } = t.output();
    expect(code).toBe(0);
    removeLater(/working folder +(\S+)/.exec(out)![1]!);
    expect(out).toContain("asked at this terminal");
    expect(err).toContain("Approval needed: calendar.create_event (CONFIRM)");
    expect(err).toContain("Approval needed: files.write (CONFIRM)");
    expect(out).toContain("✓ approved by cli user (at the terminal)");
    expect(out).toContain("✗ denied by cli user (at the terminal)");
    expect(out).toMatch(/decisions +1 approved, 1 denied/);
  });
});
