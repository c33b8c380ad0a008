import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  runLedgerVerifyCommand,
  runServeCommand,
  type CommandIO,
  type LedgerPage,
  type PendingView,
} from "../src/index.js";
import { callInput, makeApp, scriptedModel } from "./support/app.js";
import { postgresUrl, usePostgres } from "./support/postgres.js";
import { call, KEY, PRINCIPALS, principal, startServer, vote, waitFor, WAIT_MS } from "./support/server.js";
import { useTempDirs } from "./support/ledger.js";
import { createEngine } from "@cortex/core";
import { FilesPlugin } from "@cortex/plugin-files";
import { MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";

const db = usePostgres();
const tempDir = useTempDirs();

describe("the server on PostgreSQL", () => {
  it("lists, decides and records with PostgresRunStore and the ledger table, two admins for an ADMIN call", async () => {
    const { store, ledger } = await db.storeAndLedger(KEY);
    const app = await makeApp({ store });
    const running = await startServer(app, { ledger });
    try {
      await writeFile(join(app.root, "pg.txt"), "x");
      const del = await app.pause("files__delete", { path: "pg.txt" }, { principal: principal("carol") });
      const listed = await call<{ items: PendingView[] }>(running.url, "/api/checkpoints?tier=ADMIN", { as: "alice" });
      expect(listed.body.items.map((item) => item.checkpointId)).toEqual([del.id]);
      // A cursor the store never gave out is the client's mistake, not the store's failure.
      const badCursor = await call<{ error?: { code: string } }>(running.url, "/api/checkpoints?after=nonsense", {
        as: "alice",
      });
      expect([badCursor.status, badCursor.body.error?.code]).toEqual([400, "CORTEX_SERVER_BAD_REQUEST"]);
      const body = { decision: "approve", approvalId: del.approvalId };
      expect((await vote(running.url, "carol", del.id, body)).body.error?.code).toBe("CORTEX_SERVER_SELF_APPROVAL");
      expect((await vote(running.url, "alice", del.id, body)).body.status).toBe("pending");
      expect((await vote(running.url, "bob", del.id, body)).body.status).toBe("approved");
      await waitFor(() => !existsSync(join(app.root, "pg.txt")), WAIT_MS, "the delete");
      const records = (await call<LedgerPage>(running.url, "/api/ledger", { as: "alice" })).body.items;
      expect(records.map((record) => record.kind)).toEqual(["decision", "vote", "vote"]);
      expect(await ledger.verify()).toMatchObject({ ok: true, records: 3, signed: true });
    } finally {
      await running.close();
      await app.close();
    }
  });

  it("serves with --postgres and verifies the table with `ledger verify --postgres`", async () => {
    const { store, schema } = await db.storeAndLedger(KEY);
    const cwd = await tempDir();
    const root = join(cwd, "sandbox");
    await mkdir(root);
    await writeFile(join(cwd, "principals.json"), JSON.stringify(PRINCIPALS));
    const out: string[] = [];
    const controller = new AbortController();
    const io: CommandIO = {
      stdout: { write: (chunk: string) => out.push(chunk) },
      stderr: { write: (chunk: string) => out.push(chunk) },
      env: { FILES_ROOT: root, CORTEX_SERVER_KEY: KEY, CORTEX_SERVER_POSTGRES_URL: postgresUrl() },
      cwd,
      signal: controller.signal,
    };
    const app = fileURLToPath(new URL("fixtures/app.ts", import.meta.url));
    const exit = runServeCommand(
      ["--app", app, "--schema", schema, "--port", "0", "--principals", "principals.json"],
      io,
    );
    const url = await waitFor(() => /is at (http:\/\/\S+) /.exec(out.join(""))?.[1], WAIT_MS, "the server to listen");
    expect(out.join("")).toContain(`(PostgreSQL (schema ${schema}); records signed)`);
    const plugins = new PluginRegistry({ broker: new MemoryBroker({ files_root: root }), logger: silentLogger });
    plugins.register(new FilesPlugin());
    const engine = createEngine({
      model: scriptedModel(),
      plugins,
      runStore: store,
      logger: silentLogger,
      agents: [{ id: "writer", tools: ["files"] }],
    });
    const paused = await engine.run("writer", callInput("files__write", { path: "pg-served.txt", content: "pg" }));
    expect(
      (
        await vote(url, "alice", paused.checkpoint!.id, {
          decision: "approve",
          approvalId: paused.checkpoint!.approvalId,
        })
      ).body.status,
    ).toBe("approved");
    await waitFor(() => existsSync(join(root, "pg-served.txt")), WAIT_MS, "the file");
    controller.abort();
    expect(await exit).toBe(0);
    await engine.shutdown();

    const report: string[] = [];
    const verify = await runLedgerVerifyCommand(["--schema", schema], {
      stdout: { write: (chunk: string) => report.push(chunk) },
      stderr: { write: (chunk: string) => report.push(chunk) },
      env: { CORTEX_SERVER_KEY: KEY, CORTEX_SERVER_POSTGRES_URL: postgresUrl() },
      cwd,
    });
    expect(report.join("")).toMatch(
      new RegExp(
        `^PostgreSQL ledger \\(schema ${schema}\\): 2 records, intact; last 2 [0-9a-f]{64}; every MAC checked\\n$`,
      ),
    );
    expect(verify).toBe(0);
  });
});
