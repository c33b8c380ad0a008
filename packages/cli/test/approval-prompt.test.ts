import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main, type CliIO } from "../src/index.js";
import { startFakeModel, type FakeTurn } from "./fake-model.js";
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
      // eslint-disable-next-line no-control-regex
      if (chunk.replace(/\u001b\[[0-9;]*m/g, "").includes("Approve this exact call? [y/N]")) {
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

  it("exec refuses, without asking, a CONFIRM call whose parameters came from stdin (--params-file -)", async () => {
    const host = await makeHost();
    const t = terminal([], { cwd: host.dir, env: host.env });
    (t.io.stdin as PassThrough).end('{"path":"a.txt","content":"A"}');
    const code = await main(["exec", "files", "write", "--params-file", "-"], t.io);
    const { out, err } = t.output();
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).not.toContain("Approve this exact call?");
    expect(err).toMatch(/^error \[CORTEX_APPROVAL_REQUIRED\]/);
    expect(err).toContain(
      "hint: stdin held the parameters, so nobody can be asked on it; rerun with --yes, or give the parameters as an argument or in a --params-file <file>",
    );
    expect(existsSync(join(host.root, "a.txt"))).toBe(false);
  });

  it("exec runs a CONFIRM call with parameters from stdin when --yes is given", async () => {
    const host = await makeHost();
    const t = terminal([], { cwd: host.dir, env: host.env });
    (t.io.stdin as PassThrough).end('{"path":"a.txt","content":"A"}');
    expect(await main(["exec", "files", "write", "--params-file", "-", "--yes"], t.io)).toBe(0);
    expect(await readFile(join(host.root, "a.txt"), "utf8")).toBe("A");
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

describe("text from the model on a terminal", () => {
  it("cannot hide the approval display: control characters are stripped and colours reset before it", async () => {
    const host = await makeHost();
    const turns: FakeTurn[] = [
      {
        content: "Saving your note.\u001b[8m\u009b8m\r",
        calls: [{ name: "files__write", arguments: { path: "n.txt", content: "x\u009b8m" } }],
      },
      { content: "Done.\u001b[2J\u001b]0;title\u0007 bye" },
    ];
    const model = await startFakeModel([...turns, ...turns]);
    try {
      const env = {
        ...host.env,
        CORTEX_MODEL: "fake",
        CORTEX_MODEL_BASE_URL: model.baseURL,
        CORTEX_MODEL_MAX_RETRIES: "0",
      };
      const plain = terminal(["n"], { cwd: host.dir, env, stdout: undefined });
      let out = "";
      const stdout = { isTTY: true, write: (chunk: string) => ((out += chunk), true) };
      const code = await main(["run", "save a note"], { ...plain.io, stdout });
      const { err } = plain.output();
      expect(code).toBe(0);
      expect(err).toContain("Approval needed: files.write (CONFIRM)");
      // eslint-disable-next-line no-control-regex
      expect(err).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      // The model's text streams to stdout, cleaned; its carriage return ends the line.
      expect(out).toBe("Saving your note.[8m8m\nDone.[2J]0;title bye\n");

      const colored = terminal(["n"], { cwd: host.dir, env, color: true });
      await main(["run", "save a note"], colored.io);
      const shown = colored.output().err;
      expect(shown).not.toContain("\u001b[8m");
      // eslint-disable-next-line no-control-regex
      expect(shown).toMatch(/\u001b\[0m[^\n]*Approval needed:/);
    } finally {
      await model.close();
    }
  });
});
