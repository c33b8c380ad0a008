import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { PluginHarness } from "@cortex/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FilesActionName, FilesPlugin } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

// A second process swaps folders inside the root for links to a folder outside
// and back, while the plugin reads, writes, moves and deletes through them.
// Bounded: at most ROUNDS rounds of actions and TIME_LIMIT_MS of racing.
const ROUNDS = 100;
const TIME_LIMIT_MS = 30_000;
const RACER = fileURLToPath(new URL("./racer.mjs", import.meta.url));
const OUTSIDE_TEXT = "OUTSIDE: must never be read, changed, moved or deleted";

/** Everything that would show a change: each entry's type, size, content, mode, times and link target. */
function snapshot(dir: string): Record<string, string> {
  const seen: Record<string, string> = {};
  const visit = (abs: string, rel: string): void => {
    const info = lstatSync(abs);
    const times = `${info.mode} ${info.nlink} ${info.mtimeMs} ${info.ctimeMs}`;
    if (info.isSymbolicLink()) seen[rel] = `link ${readlinkSync(abs)} ${times}`;
    else if (info.isFile()) {
      seen[rel] = `file ${info.size} ${createHash("sha256").update(readFileSync(abs)).digest("hex")} ${times}`;
    } else {
      const names = readdirSync(abs).sort();
      seen[rel] = `dir [${names.join(",")}] ${times}`;
      for (const name of names) visit(join(abs, name), `${rel}/${name}`);
    }
  };
  visit(dir, ".");
  return seen;
}

interface RacerReport {
  rounds: number;
  swaps: number;
  strays: number;
}

function startRacer(stopFile: string, outside: string, folders: string[]) {
  const child = spawn(process.execPath, [RACER, stopFile, String(TIME_LIMIT_MS), outside, ...folders], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const ready = new Promise<void>((resolve, reject) => {
    lines.once("line", (line) => (line === "ready" ? resolve() : reject(new Error(`racer said ${line}`))));
    child.once("exit", (code) => reject(new Error(`racer exited (${code}) before it was ready: ${stderr}`)));
  });
  const report = new Promise<RacerReport>((resolve, reject) => {
    let last = "";
    lines.on("line", (line) => (last = line));
    child.once("exit", (code) => {
      if (code === 0) resolve(JSON.parse(last) as RacerReport);
      else reject(new Error(`racer failed (${code}): ${stderr}`));
    });
  });
  return { ready, report };
}

describe("the sandbox under a racing local process", () => {
  let fx: Fixture;
  let h: PluginHarness<FilesPlugin>;

  beforeAll(async () => {
    fx = makeFixture();
    // Outside: a file of every name the actions below use, and a folder tree.
    fx.write(
      {
        "victim.txt": OUTSIDE_TEXT,
        "fresh.txt": OUTSIDE_TEXT,
        "m1.txt": OUTSIDE_TEXT,
        "m2.txt": OUTSIDE_TEXT,
        "top.txt": OUTSIDE_TEXT,
        "tree/a/b.txt": OUTSIDE_TEXT,
        "tree/c.txt": OUTSIDE_TEXT,
        "box/f.txt": OUTSIDE_TEXT,
      },
      fx.outside,
    );
    mkdirSync(join(fx.root, "sub"));
    mkdirSync(join(fx.root, "nest", "inner"), { recursive: true });
    h = await harnessFor(fx.root);
  });
  afterAll(async () => {
    await h.teardown();
    fx.cleanup();
  });

  it("never reads, creates, changes, moves or deletes anything outside the root", async () => {
    const before = snapshot(fx.outside);
    const stopFile = join(fx.base, "stop");
    const racer = startRacer(stopFile, fx.outside, [join(fx.root, "sub"), join(fx.root, "nest", "inner")]);
    await racer.ready;

    const confirm = { approve: true } as const;
    const admin = { approve: true, admin: true } as const;
    const outcomes = new Map<string, number>();
    const reads: string[] = [];
    const run = async (action: FilesActionName, params: Record<string, unknown>, options = {}) => {
      const result = await h.execute(action, params, options);
      const key = `${action} ${result.success ? "ok" : (result.code ?? "no code")}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      if (action === "read" && result.success) reads.push((result.data as { content: string }).content);
      return result;
    };

    const started = Date.now();
    let rounds = 0;
    try {
      while (rounds < ROUNDS && Date.now() - started < TIME_LIMIT_MS) {
        rounds++;
        for (const dir of ["sub", "nest/inner"]) {
          await run("write", { path: `${dir}/victim.txt`, content: `inside ${rounds}`, overwrite: true }, confirm);
          await run("read", { path: `${dir}/victim.txt` });
          await run("delete", { path: `${dir}/victim.txt` }, admin);
          await run("write", { path: `${dir}/fresh.txt`, content: "fresh" }, confirm);
          await run("delete", { path: `${dir}/fresh.txt` }, admin);
          await run("write", { path: `${dir}/tree/a/b.txt`, content: "t", createDirectories: true }, confirm);
          await run("delete", { path: `${dir}/tree`, recursive: true }, admin);
          await run("write", { path: `${dir}/m1.txt`, content: "m", overwrite: true }, confirm);
          await run("move", { from: `${dir}/m1.txt`, to: `${dir}/m2.txt`, overwrite: true }, confirm);
          await run("move", { from: `${dir}/m2.txt`, to: `${dir}/m1.txt`, overwrite: true }, confirm);
          await run("write", { path: "top.txt", content: "top", overwrite: true }, confirm);
          await run("move", { from: "top.txt", to: `${dir}/top.txt`, overwrite: true }, confirm);
          await run("move", { from: `${dir}/top.txt`, to: "top.txt", overwrite: true }, confirm);
          await run("write", { path: `${dir}/box/f.txt`, content: "b", createDirectories: true }, confirm);
          await run("move", { from: `${dir}/box`, to: "boxed" }, confirm);
          await run("delete", { path: "boxed", recursive: true }, admin);
        }
      }
    } finally {
      writeFileSync(stopFile, "");
    }
    const report = await racer.report;
    const elapsedMs = Date.now() - started;
    const actions = [...outcomes.values()].reduce((a, b) => a + b, 0);
    console.info(
      `sandbox race: ${rounds} rounds, ${actions} actions in ${elapsedMs} ms; racer: ${report.swaps} swaps ` +
        `(${report.rounds} rounds, ${report.strays} strays moved aside); outcomes: ` +
        JSON.stringify(Object.fromEntries([...outcomes].sort())),
    );

    expect(report.swaps).toBeGreaterThan(0);
    expect(rounds).toBeGreaterThan(0);
    expect(snapshot(fx.outside)).toEqual(before);
    expect(reads.filter((content) => content.includes("OUTSIDE"))).toEqual([]);
    // Every failure is a coded refusal of the plugin's own, never a crash.
    const uncoded = [...outcomes.keys()].filter((key) => !/ (ok|CORTEX_FILES_[A-Z_]+)$/.test(key));
    expect(uncoded).toEqual([]);
  }, 90_000);
});
