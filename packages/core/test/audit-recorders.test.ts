import { spawn } from "node:child_process";
import fs from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { JsonLinesAuditRecorder, readAuditLog, type AuditEvent } from "../src/index.js";

const event = (action: string, extra: Partial<AuditEvent> = {}): AuditEvent =>
  ({
    timestamp: new Date(0).toISOString(),
    hook: "runStarted",
    action,
    resource: "run",
    resourceId: "r",
    outcome: "started",
    severity: "info",
    ...extra,
  }) as AuditEvent;

async function auditFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), "cortex-audit-")), "audit.jsonl");
}

/** Closes the recorder, then checks what a reader finds in its file: these actions, and this many torn lines. */
async function expectLog(recorder: JsonLinesAuditRecorder, actions: string[], skipped: number): Promise<void> {
  await recorder.close();
  const log = await readAuditLog(recorder.path);
  expect(log.events.map((e) => e.action)).toEqual(actions);
  expect(log.skipped).toBe(skipped);
}

describe("JsonLinesAuditRecorder when the file fails", () => {
  it("tries the file again for later records instead of failing every record after one failed open", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cortex-audit-"));
    const path = join(dir, "later", "audit.jsonl");
    const recorder = new JsonLinesAuditRecorder(path);
    await expect(recorder.record(event("lost"))).rejects.toMatchObject({ code: "ENOENT" });
    await mkdir(join(dir, "later"));
    await recorder.record(event("kept"));
    await recorder.close();
    const lines = (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as AuditEvent).action);
    expect(lines).toEqual(["kept"]);
  });

  it("closes cleanly after a failed open", async () => {
    const recorder = new JsonLinesAuditRecorder(join(tmpdir(), "cortex-no-such-dir", "x", "audit.jsonl"));
    await recorder.record(event("lost")).catch(() => undefined);
    await expect(recorder.close()).resolves.toBeUndefined();
  });
});

describe("JsonLinesAuditRecorder never lets a torn line corrupt the next record", () => {
  it("starts on a fresh line when the file it opens ends mid-record", async () => {
    const path = await auditFile();
    await writeFile(path, `${JSON.stringify(event("whole"))}\n{"timestamp":"1970-01-01T00:00:00.000Z","hook":"run`);
    const recorder = new JsonLinesAuditRecorder(path);
    await recorder.record(event("after"));
    await recorder.record(event("later"));
    await expectLog(recorder, ["whole", "after", "later"], 1);
  });

  it("starts on a fresh line after a short write (a full disk) in the same recorder", async () => {
    const path = await auditFile();
    const recorder = new JsonLinesAuditRecorder(path);
    await recorder.record(event("before"));
    const real = fs.writevSync;
    const spy = vi.spyOn(fs, "writevSync").mockImplementationOnce((fd, buffers) => {
      // Three quarters of the batch reach the disk (its second record cut short), then the disk is full.
      const bytes = Buffer.concat(buffers as Uint8Array[]);
      real(fd, [bytes.subarray(0, Math.floor(bytes.length * 0.75))]);
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    });
    try {
      const batch = [recorder.record(event("whole")), recorder.record(event("torn"))];
      await expect(Promise.all(batch)).rejects.toMatchObject({ code: "ENOSPC" });
    } finally {
      spy.mockRestore();
    }
    await recorder.record(event("after"));
    await expectLog(recorder, ["before", "whole", "after"], 1);
  });

  // Whatever a SIGKILL leaves (a write the kernel completed, or a batch cut between two writes), the records
  // written after it are whole and every whole record before it is kept. The two tests above cut a line for sure.
  it("loses only the torn line when a writer is killed with SIGKILL mid-write, again and again", async () => {
    const path = await auditFile();
    const writer = join(import.meta.dirname, "fixtures", "audit-writer.ts");
    const KILLS = 5;
    for (let round = 0; round < KILLS; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", writer, path], { cwd: import.meta.dirname });
      await new Promise<void>((resolve, reject) => {
        child.stdout.once("data", () => resolve());
        child.on("error", reject);
        child.on("exit", (code) => reject(new Error(`the writer exited early (${code})`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 5 + round * 7));
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      const after = new JsonLinesAuditRecorder(path);
      await after.record(event("marker", { resourceId: `after-kill-${round}` }));
      await after.close();
    }
    const log = await readAuditLog(path);
    expect(log.events.filter((e) => e.action === "marker").map((e) => e.resourceId)).toEqual(
      Array.from({ length: KILLS }, (_, round) => `after-kill-${round}`),
    );
    for (const written of log.events.filter((e) => e.action === "bulk")) expect(written.reason).toHaveLength(300_000);
    expect(log.skipped).toBeLessThanOrEqual(KILLS);
    const lines = (await readFile(path, "utf8")).split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(log.events.length + log.skipped);
  }, 300_000);
});

describe("JsonLinesAuditRecorder writes every record whole and in order", () => {
  // Multi-byte characters, a surrogate pair, a lone surrogate, control characters, and records longer than a buffer.
  const texts = ["é", "漢字", "🦊", "\ud800", '\u0000\n\r\t"\\', "a".repeat(70_000), "ü".repeat(40_000)];
  const records = Array.from({ length: 3_000 }, (_, i) =>
    event(`a${i}`, { resourceId: `${texts[i % texts.length]!.slice(0, i % 5 === 0 ? undefined : 40)}-${i}` }),
  );

  it("across buffers, batches and bursts, whatever the characters", async () => {
    const recorder = new JsonLinesAuditRecorder(await auditFile());
    // A burst recorded at once, then batches that each wait for the write before.
    await Promise.all(records.slice(0, 1_000).map((r) => recorder.record(r)));
    for (let i = 1_000; i < records.length; i += 250) {
      await Promise.all(records.slice(i, i + 250).map((r) => recorder.record(r)));
    }
    await recorder.close();
    expect((await readAuditLog(recorder.path)).events).toEqual(records);
  });

  it("goes on from where a short write stopped", async () => {
    const recorder = new JsonLinesAuditRecorder(await auditFile());
    const real = fs.writevSync;
    let calls = 0;
    // The file takes at most 1 000 bytes per call, cutting records, characters and buffers anywhere.
    const spy = vi.spyOn(fs, "writevSync").mockImplementation((fd, buffers) => {
      calls += 1;
      return real(fd, [Buffer.concat(buffers as Uint8Array[]).subarray(0, 1_000)]);
    });
    try {
      await Promise.all(records.slice(0, 300).map((r) => recorder.record(r)));
      await recorder.close();
    } finally {
      spy.mockRestore();
    }
    expect(calls).toBeGreaterThan(100);
    expect((await readAuditLog(recorder.path)).events).toEqual(records.slice(0, 300));
  });
});

interface Write {
  at: number;
  actions: string[];
}

/** Records every `writevSync` of the recorders (when, and which records' actions) while `body` runs; `body` sees them as they come. */
async function watchWrites(body: (writes: readonly Write[]) => Promise<void>): Promise<Write[]> {
  const writes: Write[] = [];
  const real = fs.writevSync;
  const spy = vi.spyOn(fs, "writevSync").mockImplementation((fd, buffers) => {
    const text = Buffer.concat(buffers as Uint8Array[]).toString("utf8");
    const actions = text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => (JSON.parse(line) as AuditEvent).action);
    writes.push({ at: performance.now(), actions });
    return real(fd, buffers);
  });
  try {
    await body(writes);
  } finally {
    spy.mockRestore();
  }
  return writes;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("JsonLinesAuditRecorder's write interval", () => {
  it("writes records made sooner than writeIntervalMs after a write together, once the interval has passed", async () => {
    const recorder = new JsonLinesAuditRecorder(await auditFile(), { writeIntervalMs: 200 });
    const writes = await watchWrites(async () => {
      await recorder.record(event("first"));
      // Three more turns, each with a record, all well within the interval.
      const later: Promise<void>[] = [];
      for (const action of ["second", "third", "fourth"]) {
        later.push(recorder.record(event(action)));
        await nextTurn();
      }
      await Promise.all(later);
    });
    expect(writes.map((w) => w.actions)).toEqual([["first"], ["second", "third", "fourth"]]);
    // libuv counts whole milliseconds, so a timer may fire up to 1 ms early by performance.now().
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(199);
    await expectLog(recorder, ["first", "second", "third", "fourth"], 0);
  });

  it("writes each turn's records as the turn ends when writeIntervalMs is 0", async () => {
    const recorder = new JsonLinesAuditRecorder(await auditFile(), { writeIntervalMs: 0 });
    const writes = await watchWrites(async () => {
      for (const turn of [["a", "b"], ["c"], ["d", "e"]]) await Promise.all(turn.map((a) => recorder.record(event(a))));
    });
    expect(writes.map((w) => w.actions)).toEqual([["a", "b"], ["c"], ["d", "e"]]);
    await expectLog(recorder, ["a", "b", "c", "d", "e"], 0);
  });

  it("writes a record at the end of its turn when the last write was longer ago than the interval", async () => {
    const recorder = new JsonLinesAuditRecorder(await auditFile(), { writeIntervalMs: 200 });
    const writes = await watchWrites(async (seen) => {
      await recorder.record(event("first"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const at = performance.now();
      await recorder.record(event("second"));
      // Written as its turn ended: the interval (200 ms) was not waited for again.
      expect(seen[1]!.at - at).toBeLessThan(200);
    });
    expect(writes.map((w) => w.actions)).toEqual([["first"], ["second"]]);
    await recorder.close();
  });

  it("writes what waits for the interval at once on close", async () => {
    const recorder = new JsonLinesAuditRecorder(await auditFile(), { writeIntervalMs: 60_000 });
    const writes = await watchWrites(async (seen) => {
      await recorder.record(event("first"));
      const waiting = recorder.record(event("waiting"));
      await nextTurn();
      expect(seen).toHaveLength(1);
      const closed = recorder.close();
      // Without the wake-up the batch would wait a minute: the test would time out here.
      await Promise.all([waiting, closed]);
    });
    expect(writes.map((w) => w.actions)).toEqual([["first"], ["waiting"]]);
    expect((await readAuditLog(recorder.path)).events.map((e) => e.action)).toEqual(["first", "waiting"]);
  });

  it.each([-1, Number.NaN, "5", 60_001, Infinity])("refuses writeIntervalMs %s with CORTEX_INVALID_OPTIONS", (bad) => {
    expect(() => new JsonLinesAuditRecorder("audit.jsonl", { writeIntervalMs: bad as number })).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option: "writeIntervalMs" }),
    );
  });
});

describe("JsonLinesAuditRecorder.recordJson", () => {
  it("writes a record's JSON text as its line, in order with records given as objects", async () => {
    const recorder = new JsonLinesAuditRecorder(await auditFile());
    const text = JSON.stringify(event("as-text", { resourceId: "漢字 \u2028 🦊" }));
    await Promise.all([recorder.record(event("first")), recorder.recordJson(text), recorder.record(event("last"))]);
    await recorder.close();
    expect(await readFile(recorder.path, "utf8")).toBe(
      `${JSON.stringify(event("first"))}\n${text}\n${JSON.stringify(event("last"))}\n`,
    );
    await expect(recorder.recordJson(text)).rejects.toThrow(/is closed/);
  });
});

describe("readAuditLog", () => {
  it("reads every whole record and counts the lines it skips", async () => {
    const path = await auditFile();
    await writeFile(
      path,
      [JSON.stringify(event("a")), "{torn", "", "42", JSON.stringify(event("b")), '{"hook":'].join("\n"),
    );
    expect(await readAuditLog(path)).toEqual({ events: [event("a"), event("b")], skipped: 3 });
  });
});
