import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeModel } from "./fake-model.js";
import { cortex, removeLater, tempDir } from "./helpers.js";

function field(stdout: string, label: string): string {
  const match = new RegExp(`^ {2}${label} +(.+)$`, "m").exec(stdout);
  expect(match, `a "${label}" line`).not.toBeNull();
  if (label === "working folder") removeLater(match![1]!);
  return match![1]!;
}

async function auditRecords(stdout: string): Promise<{ hook: string; outcome: string }[]> {
  const [, path, count] = /^ {2}audit file +(\S+) \((\d+) records\)$/m.exec(stdout) ?? [];
  expect(path, "the audit file line").toBeDefined();
  expect(existsSync(path!)).toBe(true);
  const lines = (await readFile(path!, "utf8")).trim().split("\n");
  expect(lines.length).toBe(Number(count));
  return lines.map((line) => JSON.parse(line) as { hook: string; outcome: string });
}

describe("cortex demo", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("with --yes: lists events, approves both checkpoints, writes the file, prints metrics and the audit file", async () => {
    const cwd = await tempDir();
    const { code, stdout, stderr } = await cortex(["demo", "--yes"], { cwd });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const dir = field(stdout, "working folder");
    expect(existsSync(dir)).toBe(true);
    expect(field(stdout, "model")).toMatch(/^scripted, offline/);
    expect(field(stdout, "approvals")).toMatch(/^automatic \(--yes\)/);
    expect(stdout).toMatch(/→ calendar__list_events \{"start":"\S+","end":"\S+"\}/);
    expect(stdout).toMatch(
      /✓ calendar__list_events \(\d+ ms\) 3 events: Team standup, Design review: plugin tiers, Lunch with Ada/,
    );
    expect(stdout).toMatch(/⏸ checkpoint cp_\S+: calendar\.create_event is a CONFIRM action and needs approval/);
    expect(stdout).toMatch(/⏸ checkpoint cp_\S+: files\.write is a CONFIRM action and needs approval/);
    expect(stdout.match(/✓ approved by cli \(automatically, --yes was given\)/g)).toHaveLength(2);
    expect(stdout).toMatch(/✓ calendar__create_event \(\d+ ms\)/);
    expect(stdout).toMatch(/✓ files__write \(\d+ ms\)/);
    expect(field(stdout, "run")).toBe("completed in 4 step(s)");
    expect(field(stdout, "decisions")).toBe("2 approved, 0 denied");
    expect(field(stdout, "file")).toMatch(/week-plan\.md written \(\d+ bytes\)$/);
    expect(await readFile(`${dir}/week-plan.md`, "utf8")).toContain("Cortex demo review");
    expect(await readFile(`${dir}/calendar.ics`, "utf8")).toContain("SUMMARY:Cortex demo review");
    expect(stdout).toContain("Metrics");
    expect(field(stdout, "counters")).toContain(
      "runStarted 1, runCompleted 1, stepStarted 4, stepCompleted 4, toolCalled 3, toolCompleted 3",
    );
    expect(field(stdout, "counters")).toContain("checkpointCreated 2, checkpointResolved 2, shutdown 1");
    const records = await auditRecords(stdout);
    expect(records.filter((r) => r.hook === "checkpointResolved").map((r) => r.outcome)).toEqual([
      "approved",
      "approved",
    ]);
    expect(records.at(-1)!.hook).toBe("shutdown");
  });

  it("without a terminal and without --yes: explains, denies both calls, and the run goes on", async () => {
    const { code, stdout } = await cortex(["demo"], { cwd: await tempDir() });
    expect(code).toBe(0);
    const dir = field(stdout, "working folder");
    expect(field(stdout, "approvals")).toMatch(
      /^no terminal and no --yes: CONFIRM calls will be denied \(run `cortex demo --yes`/,
    );
    expect(stdout.match(/✗ denied by cli \(no terminal to ask for approval, and --yes was not given\)/g)).toHaveLength(
      2,
    );
    expect(stdout).toContain("✗ calendar__create_event [CORTEX_APPROVAL_DENIED] not run");
    expect(stdout).toContain("✗ files__write [CORTEX_APPROVAL_DENIED] not run");
    expect(stdout).toMatch(/Booking "Cortex demo review" was not\s+done/);
    expect(field(stdout, "run")).toBe("completed in 4 step(s)");
    expect(field(stdout, "decisions")).toBe("0 approved, 2 denied");
    expect(field(stdout, "file")).toBe("week-plan.md was not written");
    expect(existsSync(`${dir}/week-plan.md`)).toBe(false);
    const records = await auditRecords(stdout);
    expect(records.filter((r) => r.hook === "checkpointResolved").map((r) => r.outcome)).toEqual(["denied", "denied"]);
  });

  it("uses the model configured by environment when there is one (and --offline overrides it)", async () => {
    const model = await startFakeModel([
      { calls: [{ name: "calendar__list_events", arguments: { start: "2000-01-01", end: "2100-01-01" } }] },
      {
        calls: [
          {
            name: "calendar__create_event",
            arguments: { title: "Review", start: "2030-01-01T10:00:00Z", end: "2030-01-01T11:00:00Z" },
          },
        ],
      },
      { calls: [{ name: "files__write", arguments: { path: "week-plan.md", content: "plan" } }] },
      { content: "Done: listed, booked, written." },
    ]);
    close = model.close;
    const env = { CORTEX_MODEL: "fake-model", CORTEX_MODEL_BASE_URL: model.baseURL, CORTEX_MODEL_MAX_RETRIES: "0" };
    const { code, stdout } = await cortex(["demo", "--yes"], { cwd: await tempDir(), env });
    expect(code).toBe(0);
    field(stdout, "working folder");
    expect(field(stdout, "model")).toBe("fake-model (from CORTEX_MODEL_*)");
    expect(stdout).toContain("Done: listed, booked, written.");
    expect(field(stdout, "decisions")).toBe("2 approved, 0 denied");
    const request = model.bodies[0] as { messages: { role: string; content: string }[] };
    expect(request.messages[0]!.content).toContain("Cortex demo agent");
    expect(request.messages[1]!.content).toContain("list_events");
    const offline = await cortex(["demo", "--yes", "--offline"], { cwd: await tempDir(), env });
    field(offline.stdout, "working folder");
    expect(field(offline.stdout, "model")).toMatch(/^scripted, offline/);
  });
});
