import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { RunQueue } from "@cortex/queue-bullmq";
import { PostgresRunStore } from "@cortex/store-postgres";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { startFakeModel } from "./fake-model.js";
import { cortex, makeHost, startCortex } from "./helpers.js";

const postgresUrl = inject("postgresUrl");
const redisUrl = inject("redisUrl");

/** The tool messages of a chat completions request body. */
const toolMessages = (body: unknown) =>
  (body as { messages: { role: string; content: string }[] }).messages.filter((m) => m.role === "tool");

describe("cortex worker against PostgreSQL and Redis", () => {
  it(
    "runs a queued run to its CONFIRM checkpoint, runs the call approved from another process once, completes it, and stops on Ctrl+C",
    async () => {
      const host = await makeHost();
      const suffix = randomBytes(5).toString("hex");
      const schema = `cli_worker_${suffix}`;
      const queueName = `cli-worker-${suffix}`;
      const model = await startFakeModel([
        { calls: [{ name: "files__write", arguments: { path: "approved.txt", content: "written once\n" } }] },
        { content: "Wrote approved.txt." },
      ]);
      const env = {
        ...host.env,
        CORTEX_MODEL: "fake",
        CORTEX_MODEL_BASE_URL: model.baseURL,
        CORTEX_MODEL_MAX_RETRIES: "0",
        CORTEX_DATABASE_URL: postgresUrl,
        CORTEX_REDIS_URL: redisUrl,
      };
      const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
      pool.on("error", () => undefined);
      const store = new PostgresRunStore({ pool, schema });
      const queue = new RunQueue({ connection: redisUrl, queueName });
      let worker: ReturnType<typeof startCortex> | undefined;
      try {
        const migrate = await cortex(["db", "migrate", "--schema", schema], { cwd: host.dir, env, timeoutMs: 60_000 });
        expect(migrate.stderr).toBe("");
        expect(migrate.code).toBe(0);
        expect(migrate.stdout).toMatch(new RegExp(`^schema ${schema} at version \\d+: applied `));

        worker = startCortex(["worker", "--verbose", "--schema", schema, "--queue", queueName, "--concurrency", "2"], {
          cwd: host.dir,
          env,
        });
        await worker.stderrMatches(/worker taking jobs from queue cli-worker-\w+; Ctrl\+C stops it/);

        const runId = await queue.start("cli", "Write approved.txt in the sandbox.");
        const paused = await queue.waitForResult(runId, { timeoutMs: 60_000 });
        expect(paused).toMatchObject({
          runId,
          status: "awaiting_approval",
          checkpoint: { toolName: "files__write", tier: "CONFIRM", args: { path: "approved.txt" } },
        });
        // Paused: a row in PostgreSQL waiting for a decision, and nothing written yet.
        const pending = await store.listPending({});
        expect(pending.items).toEqual([
          expect.objectContaining({ runId, checkpointId: paused.checkpoint!.id, plugin: "files", action: "write" }),
        ]);
        expect(existsSync(join(host.root, "approved.txt"))).toBe(false);
        expect(model.bodies).toHaveLength(1);

        await queue.resolveCheckpoint(runId, paused.checkpoint!.id, { approved: true, decidedBy: "the test" });
        const done = await queue.waitForResult(runId, { timeoutMs: 60_000 });
        expect(done).toMatchObject({ runId, status: "completed", output: "Wrote approved.txt." });
        expect(await readFile(join(host.root, "approved.txt"), "utf8")).toBe("written once\n");
        // The approved call ran once: one journal row, finished, and one tool result handed to the model.
        const calls = await pool.query<{ tool_name: string; status: string; attempts: number }>(
          `SELECT tool_name, status, attempts FROM "${schema}".tool_calls WHERE run_id = $1`,
          [runId],
        );
        expect(calls.rows).toEqual([{ tool_name: "files__write", status: "finished", attempts: 1 }]);
        expect(model.bodies).toHaveLength(2);
        expect(toolMessages(model.bodies[1])).toEqual([
          expect.objectContaining({ content: expect.stringContaining("approved.txt") as string }),
        ]);
        expect((await store.listPending({})).items).toEqual([]);

        // Ctrl+C: the worker stops taking jobs, closes, and exits with the interrupted status (130).
        worker.child.kill("SIGINT");
        expect(await worker.exited).toBe(130);
        expect(worker.stderr()).toContain("stopping: the jobs in hand finish first");
        expect(worker.stderr()).not.toMatch(/^\s+at /m);
        // With --verbose the worker logs what went wrong: nothing did.
        expect(worker.stderr()).not.toMatch(/\[cortex (warn|error)\]/);
        expect(worker.stderr()).toMatch(/\[cortex debug\] approved "files\.write" .*"decidedBy":"the test"/);
      } finally {
        if (worker?.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
        await queue.close();
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await store.close();
        await pool.end();
        await model.close();
      }
    },
    // Three processes start (the CLI loads the queue, the store and the plugins), and two runs wait on the
    // queue: up to a minute each where every package's tests share two cores.
    300_000,
  );
});
