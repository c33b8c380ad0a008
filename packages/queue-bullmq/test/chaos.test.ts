import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { readAuditLog, type RunResult } from "@cortex/core";
import { afterAll, describe, expect, it } from "vitest";
import { RunQueue, type QueuedRun } from "../src/index.js";
import { AGENT } from "./support/agent.js";
import { fresh, postgresUrl, redisUrl, spawnWorker, stopWorker, useDatabase } from "./support/services.js";

const RUNS = 200;
const WORKERS = 3;
const KILL_EVERY_MS = 400;
const DEADLINE_MS = 150_000;

const db = useDatabase();
const auditDir = mkdtempSync(join(tmpdir(), "cx-chaos-"));
afterAll(() => rmSync(auditDir, { recursive: true, force: true }));

/** k<i>: i % 10 = 0 is never answered, = 1 is denied, the rest approved (as the approver process decides). */
interface Slot {
  child: ChildProcess | undefined;
  audit: string;
  readyAt: number;
}

const rule = (key: string): "unanswered" | "denied" | "approved" => {
  const i = Number(key.slice(1)) % 10;
  return i === 0 ? "unanswered" : i === 1 ? "denied" : "approved";
};

function spawnApprover(queueName: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures", "approver.ts")], {
    cwd: import.meta.dirname,
    env: {
      ...process.env,
      CX_POSTGRES_URL: postgresUrl(),
      CX_REDIS_URL: redisUrl(),
      CX_SCHEMA: db.schema,
      CX_QUEUE: queueName,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => line === "ready" && resolve(child));
    child.on("exit", (code) => reject(new Error(`the approver exited (${code}) before it was ready`)));
  });
}

/** Whether a run has stopped for good: ended, or paused at a checkpoint nobody will answer. */
const settled = (key: string, result: RunResult | QueuedRun | undefined): boolean =>
  result !== undefined &&
  (result.status === "completed" ||
    result.status === "failed" ||
    (result.status === "awaiting_approval" && rule(key) === "unanswered"));

describe("the queue through crashes", () => {
  it(
    `keeps ${RUNS} runs on ${WORKERS} workers, a worker SIGKILLed as often as every ${KILL_EVERY_MS} ms, to the rules`,
    async () => {
      await db.ready();
      const queueName = fresh("chaos");
      let incarnation = 0;
      const killed = new Set<string>();
      const workerEnv = () => {
        incarnation += 1;
        return {
          CX_SCHEMA: db.schema,
          CX_QUEUE: queueName,
          CX_AUDIT: join(auditDir, `worker-${incarnation}.jsonl`),
          CX_CONCURRENCY: "8",
          CX_CALL_MS: "50",
          CX_LOCK_MS: "1000",
          CX_STALLED_MS: "500",
        };
      };
      const slots: Slot[] = [];
      const startSlot = async (slot: Slot) => {
        const env = workerEnv();
        slot.audit = env.CX_AUDIT;
        slot.child = undefined;
        slot.child = await spawnWorker(env);
        slot.readyAt = Date.now();
      };
      for (let i = 0; i < WORKERS; i++) {
        const slot: Slot = { child: undefined, audit: "", readyAt: 0 };
        slots.push(slot);
        await startSlot(slot);
      }
      const client = new RunQueue({ connection: redisUrl(), queueName });
      const approver = await spawnApprover(queueName);
      const keys = Array.from({ length: RUNS }, (_, i) => `k${i}`);
      const runs = new Map<string, string>();
      for (const key of keys) runs.set(await client.start(AGENT.id, `key=${key}`), key);

      // Every few hundred ms a worker is SIGKILLed and started again (while another one takes jobs: a
      // worker needs seconds to start on a busy machine, and the runs must go on meanwhile).
      let kills = 0;
      let chaos = true;
      const restarts: Promise<void>[] = [];
      const killer = (async () => {
        while (chaos) {
          await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS));
          const ready = slots.filter((slot) => slot.child !== undefined && Date.now() - slot.readyAt > 200);
          if (ready.length < 2) continue;
          const slot = ready[Math.floor(Math.random() * ready.length)]!;
          const child = slot.child!;
          killed.add(slot.audit);
          await stopWorker(child, "SIGKILL");
          kills += 1;
          restarts.push(startSlot(slot));
        }
      })();

      const started = Date.now();
      let results: Map<string, RunResult | QueuedRun | undefined>;
      for (;;) {
        results = new Map(
          await Promise.all([...runs.keys()].map(async (runId) => [runId, await client.getResult(runId)] as const)),
        );
        if ([...results].every(([runId, result]) => settled(runs.get(runId)!, result))) break;
        if (Date.now() - started > DEADLINE_MS) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      chaos = false;
      await killer;
      await Promise.all(restarts);
      await stopWorker(approver);
      await Promise.all(slots.map((slot) => stopWorker(slot.child!)));
      await client.close();

      const unsettled = [...results].filter(([runId, result]) => !settled(runs.get(runId)!, result));
      expect(unsettled.map(([runId, result]) => `${runs.get(runId)} ${result?.status}`)).toEqual([]);
      // The kill rate is bounded by how fast a worker starts again (seconds on a loaded machine).
      expect(kills).toBeGreaterThanOrEqual(3);

      const q = async <T extends object>(sql: string) => (await db.pool.query<T>(sql)).rows;
      const executions = await q<{ key: string; attempt: number; n: number }>(
        `SELECT key, attempt, count(*)::int AS n FROM "${db.schema}".executions WHERE action = 'commit' GROUP BY key, attempt`,
      );
      const decisions = await q<{ key: string; attempt: number; approved: boolean }>(
        `SELECT key, attempt, approved FROM "${db.schema}".decisions`,
      );
      const journal = await q<{ key: string; attempt: number; status: string }>(
        `SELECT args->>'key' AS key, (args->>'attempt')::int AS attempt, status FROM "${db.schema}".tool_calls
         WHERE action = 'commit'`,
      );
      const ran = new Map(executions.map((row) => [`${row.key}#${row.attempt}`, row.n]));
      const approved = new Set(decisions.filter((d) => d.approved).map((d) => `${d.key}#${d.attempt}`));

      // No call ran twice, and none ran without its approval: denied and unanswered calls never ran.
      expect(executions.filter((row) => row.n !== 1)).toEqual([]);
      expect([...ran.keys()].filter((call) => !approved.has(call))).toEqual([]);
      expect(executions.filter((row) => rule(row.key) !== "approved")).toEqual([]);
      // Every approved call the journal saw finish ran exactly once; one it saw interrupted ran at most once.
      expect(journal.filter((row) => row.status === "started")).toEqual([]);
      const finished = journal.filter((row) => row.status === "finished").map((row) => `${row.key}#${row.attempt}`);
      expect(finished.filter((call) => ran.get(call) !== 1)).toEqual([]);
      expect(journal.filter((row) => row.status === "finished" && rule(row.key) !== "approved")).toEqual([]);

      // Each run ended by the rules: committed, or told its commit was interrupted; refused; or still waiting.
      for (const [runId, result] of results) {
        const key = runs.get(runId)!;
        const expected = {
          approved: /^k\d+ (committed|interrupted)$/,
          denied: /^k\d+ refused$/,
          unanswered: undefined,
        }[rule(key)];
        if (expected === undefined) expect(result).toMatchObject({ status: "awaiting_approval" });
        else expect((result as RunResult).output).toMatch(expected);
        if ((result as RunResult).output?.endsWith("committed")) {
          expect(finished.some((call) => call.startsWith(`${key}#`))).toBe(true);
        }
      }

      // Every audit file parses; only a file whose writer was killed may end in one torn line.
      const files = readdirSync(auditDir);
      // A worker killed before its first record has no file.
      expect(files.length).toBeGreaterThanOrEqual(WORKERS);
      let events = 0;
      for (const file of files) {
        const log = await readAuditLog(join(auditDir, file));
        events += log.events.length;
        expect(log.skipped).toBeLessThanOrEqual(killed.has(join(auditDir, file)) ? 1 : 0);
      }
      expect(events).toBeGreaterThan(RUNS);
      const interrupted = journal.filter((row) => row.status === "interrupted").length;
      console.info(
        `chaos: ${RUNS} runs, ${kills} kills, ${finished.length} commits finished, ${interrupted} interrupted, ${Date.now() - started} ms`,
      );
    },
    // Starting four processes and stopping them takes minutes when the whole repository's tests share two cores.
    DEADLINE_MS + 180_000,
  );
});
