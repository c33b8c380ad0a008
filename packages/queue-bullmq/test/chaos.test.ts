import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { readAuditLog, type RunResult } from "@cortex/core";
import { afterAll, describe, expect, it } from "vitest";
import { RunQueue, type QueuedRun } from "../src/index.js";
import { AGENT } from "./support/agent.js";
import {
  bundledWorker,
  fresh,
  postgresUrl,
  redisUrl,
  spawnStandby,
  stopWorker,
  useDatabase,
  type StandbyWorker,
} from "./support/services.js";

const RUNS = 200;
const WORKERS = 3;
/** Loaded spare processes kept waiting, so a killed worker is replaced at once. */
const SPARES = 10;
const KILL_EVERY_MS = 300;
/** Every so often a worker's event loop stalls (SIGSTOP) for longer than its run leases last (2 × CX_LOCK_MS). */
const STALL_EVERY_MS = 700;
const STALL_MS = 2_500;
/** The kills stop once every run has settled, or after this long. */
const CHAOS_MS = 90_000;
/** Then the runs left have this long to settle on the three workers. */
const SETTLE_MS = 60_000;

const db = useDatabase();
const auditDir = mkdtempSync(join(tmpdir(), "cx-chaos-"));
afterAll(() => rmSync(auditDir, { recursive: true, force: true }));

/** A worker process and the audit file it writes. */
interface Incarnation extends StandbyWorker {
  audit: string;
  /** Whether its BullMQ worker takes jobs (a spare told to go connects first). */
  taking: boolean;
}

/** k<i>: i % 10 = 0 is never answered, = 1 is denied, the rest approved (as the approver process decides). */
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

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Whether a run has stopped for good: ended, or paused at a checkpoint nobody will answer. */
const settled = (key: string, result: RunResult | QueuedRun | undefined): boolean =>
  result !== undefined &&
  (result.status === "completed" ||
    result.status === "failed" ||
    (result.status === "awaiting_approval" && rule(key) === "unanswered"));

describe("the queue through crashes", () => {
  it(
    `keeps ${RUNS} runs on ${WORKERS} workers, one SIGKILLed every ${KILL_EVERY_MS} ms and replaced at once, one stalled past its leases every ${STALL_EVERY_MS} ms, to the rules`,
    async () => {
      await db.ready();
      await bundledWorker();
      const queueName = fresh("chaos");
      let incarnation = 0;
      const killed = new Set<string>();
      const processes: Promise<Incarnation>[] = [];
      /** How long each process took to load, up to waiting for "go". */
      const loadMs: number[] = [];
      const spawnSpare = (): Promise<Incarnation> => {
        incarnation += 1;
        const audit = join(auditDir, `worker-${incarnation}.jsonl`);
        const spawning = Date.now();
        const spawned = spawnStandby({
          CX_SCHEMA: db.schema,
          CX_QUEUE: queueName,
          CX_AUDIT: audit,
          CX_CONCURRENCY: "8",
          CX_CALL_MS: "50",
          CX_LOCK_MS: "1000",
          CX_STALLED_MS: "500",
        }).then((standby) => {
          loadMs.push(Date.now() - spawning);
          return { ...standby, audit, taking: false };
        });
        // Awaited where it is used; a spare that fails to start must not be an unhandled rejection meanwhile.
        spawned.catch(() => undefined);
        processes.push(spawned);
        return spawned;
      };
      let approver: ChildProcess | undefined;
      let client: RunQueue | undefined;
      let chaos = true;
      let killer = Promise.resolve();
      let staller = Promise.resolve();
      // Stops every process this test started (the workers close, the spares and the approver end) and the client.
      const shutdown = async () => {
        if (approver) await stopWorker(approver);
        const started = await Promise.allSettled(processes);
        await Promise.all(
          started.flatMap((each) => (each.status === "fulfilled" ? [stopWorker(each.value.child)] : [])),
        );
        await client?.close();
      };
      try {
        let killerFailed: Error | undefined;
        const activations: Promise<void>[] = [];
        const activate = (worker: Incarnation) => {
          const going = worker.go().then(() => {
            worker.taking = true;
          });
          going.catch((error: unknown) => (killerFailed ??= error as Error));
          activations.push(going);
          return going;
        };
        const active = await Promise.all(Array.from({ length: WORKERS }, () => spawnSpare()));
        await Promise.all(active.map(activate));
        const spares = Array.from({ length: SPARES }, () => spawnSpare());
        await Promise.all(spares);
        client = new RunQueue({ connection: redisUrl(), queueName });
        approver = await spawnApprover(queueName);
        const keys = Array.from({ length: RUNS }, (_, i) => `k${i}`);
        const runs = new Map<string, string>();
        for (const key of keys) runs.set(await client.start(AGENT.id, `key=${key}`), key);

        // Every few hundred ms a worker that takes jobs is SIGKILLed and a loaded spare takes its place at once,
        // so three workers keep taking jobs; a new spare loads in the background.
        let kills = 0;
        // What the killer waited for: a spare to load, a worker that takes jobs, or its own timer running late.
        let waited = 0;
        killer = (async () => {
          while (chaos) {
            const napping = Date.now();
            await sleep(KILL_EVERY_MS);
            waited += Math.max(0, Date.now() - napping - KILL_EVERY_MS);
            const taking = active.filter((worker) => worker.taking);
            if (!chaos) continue;
            if (taking.length === 0) {
              waited += KILL_EVERY_MS;
              continue;
            }
            const victim = taking[Math.floor(Math.random() * taking.length)]!;
            const waiting = Date.now();
            const spare = await spares.shift()!;
            spares.push(spawnSpare());
            waited += Date.now() - waiting;
            killed.add(victim.audit);
            // SIGKILL cannot be caught: the process is gone without waiting for its exit to be reported.
            victim.child.kill("SIGKILL");
            kills += 1;
            active[active.indexOf(victim)] = spare;
            void activate(spare);
          }
        })().catch((error: unknown) => {
          killerFailed = error as Error;
        });

        // Meanwhile a worker that takes jobs is frozen past its leases, then goes on: other jobs take its runs, and
        // it must stop driving them (it writes nothing more to them) once it runs again.
        let stalls = 0;
        staller = (async () => {
          while (chaos) {
            await sleep(STALL_EVERY_MS);
            const taking = active.filter((worker) => worker.taking);
            if (!chaos || taking.length === 0) continue;
            const victim = taking[Math.floor(Math.random() * taking.length)]!;
            victim.child.kill("SIGSTOP");
            stalls += 1;
            await sleep(STALL_MS);
            victim.child.kill("SIGCONT");
          }
        })();

        const started = Date.now();
        let chaosMs = 0;
        let openAfterChaos = 0;
        // A settled run stays settled: only the others are read again.
        const results = new Map<string, RunResult | QueuedRun | undefined>();
        for (;;) {
          const open = [...runs.keys()].filter((runId) => !settled(runs.get(runId)!, results.get(runId)));
          for (const [runId, result] of await Promise.all(
            open.map(async (runId) => [runId, await client!.getResult(runId)] as const),
          ))
            results.set(runId, result);
          const done = [...results].every(([runId, result]) => settled(runs.get(runId)!, result));
          if (chaos && (done || killerFailed !== undefined || Date.now() - started > CHAOS_MS)) {
            chaos = false;
            await Promise.all([killer, staller]);
            chaosMs = Date.now() - started;
            openAfterChaos = [...results].filter(([runId, result]) => !settled(runs.get(runId)!, result)).length;
            await Promise.all(activations);
          }
          if (killerFailed !== undefined) throw killerFailed;
          if (done || Date.now() - started > CHAOS_MS + SETTLE_MS) break;
          await sleep(500);
        }
        const settleMs = Date.now() - started - chaosMs;
        console.info(
          `chaos: ${RUNS} runs, ${kills} kills and ${stalls} stalls in ${chaosMs} ms (one per ${Math.round(chaosMs / Math.max(kills, 1))} ms;` +
            ` ${waited} ms waiting for spares (which load in ${median(loadMs)} ms) or workers), then ${settleMs} ms for the` +
            ` ${openAfterChaos} runs still going to settle`,
        );
        await shutdown();

        const unsettled = [...results].filter(([runId, result]) => !settled(runs.get(runId)!, result));
        expect(unsettled.map(([runId, result]) => `${runs.get(runId)} ${result?.status}`)).toEqual([]);
        // A kill every few hundred ms: at least one for each second the kills went on, leaving out only the time
        // the killer waited (a machine too busy to start processes, connect workers or fire timers that fast).
        expect(kills).toBeGreaterThan(0);
        expect(kills).toBeGreaterThanOrEqual(Math.floor((chaosMs - waited) / 1_000));

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
        console.info(`chaos: ${finished.length} commits finished, ${interrupted} interrupted`);
      } finally {
        chaos = false;
        await Promise.all([killer, staller]);
        await shutdown();
      }
    },
    // Starting and stopping the processes takes minutes when the whole repository's tests share two cores.
    CHAOS_MS + SETTLE_MS + 180_000,
  );
});
