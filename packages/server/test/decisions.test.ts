import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunState } from "@cortex/core";
import { afterEach, describe, expect, it } from "vitest";
import { JsonlLedger, queueDecider, type CheckpointView, type LedgerPage, type ResumeJob } from "../src/index.js";
import { makeApp, type TestApp } from "./support/app.js";
import { call, KEY, principal, startServer, vote, waitFor, WAIT_MS, type Running } from "./support/server.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function deployment(options: Parameters<typeof startServer>[1] = {}) {
  const app = await makeApp();
  cleanups.push(() => app.close());
  const running = await startServer(app, options);
  cleanups.push(() => running.close());
  return { app, running };
}

async function ledgerOf(running: Running) {
  return (await call<LedgerPage>(running.url, "/api/ledger?limit=500", { as: "alice" })).body.items;
}

async function auditActions(app: TestApp, runId: string): Promise<string[]> {
  const text = await readFile(app.auditPath, "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { action: string; resourceId: string; metadata: { runId?: string } })
    .filter(
      (record) =>
        record.resourceId === runId || record.metadata.runId === runId || record.action === "checkpoint.resolve",
    )
    .map((record) => record.action);
}

describe("decisions", () => {
  it("refuses a decision naming another call's approval id, and records nothing", async () => {
    const { app, running } = await deployment();
    const write = await app.pause("files__write", { path: "a.txt", content: "a" });
    const other = await app.pause("files__write", { path: "b.txt", content: "b" });
    const forged = await vote(running.url, "alice", write.id, { decision: "approve", approvalId: other.approvalId });
    expect(forged.status).toBe(409);
    expect(forged.body.error).toMatchObject({
      code: "CORTEX_SERVER_APPROVAL_MISMATCH",
      message: expect.stringContaining(write.approvalId) as string,
    });
    const malformed = await vote(running.url, "alice", write.id, { decision: "approve", approvalId: "not-a-digest" });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe("CORTEX_SERVER_BAD_REQUEST");
    expect(await ledgerOf(running)).toEqual([]);
    expect(existsSync(join(app.root, "a.txt"))).toBe(false);
  });

  it("refuses to approve a call whose stored parameters no longer match its approval id", async () => {
    const { app, running } = await deployment();
    const write = await app.pause("files__write", { path: "a.txt", content: "harmless" });
    const file = join(app.dir, "runs", "runs", `${write.runId}.json`);
    const state = JSON.parse(await readFile(file, "utf8")) as RunState;
    state.checkpoint!.args = { path: "a.txt", content: "harmful" };
    await writeFile(file, JSON.stringify(state));
    const refused = await vote(running.url, "alice", write.id, { decision: "approve", approvalId: write.approvalId });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe("CORTEX_SERVER_APPROVAL_MISMATCH");
    expect(await ledgerOf(running)).toEqual([]);
  });

  it("refuses a replayed decision: the vote counts once and the run resumes once", async () => {
    const { app, running } = await deployment();
    const write = await app.pause("files__write", { path: "once.txt", content: "1" });
    const body = { decision: "approve", approvalId: write.approvalId };
    const first = await vote(running.url, "alice", write.id, body);
    expect(first.body.status).toBe("approved");
    const replayed = await vote(running.url, "alice", write.id, body);
    expect(replayed.status).toBe(409);
    expect(["CORTEX_SERVER_ALREADY_DECIDED", "CORTEX_SERVER_ALREADY_VOTED"]).toContain(replayed.body.error?.code);
    await waitFor(() => existsSync(join(app.root, "once.txt")));
    await running.server.poll();
    const again = await vote(running.url, "bob", write.id, body);
    expect(again.body.error?.code).toBe("CORTEX_SERVER_ALREADY_DECIDED");
    expect((await ledgerOf(running)).map((record) => record.kind)).toEqual(["decision", "vote"]);
    expect((await auditActions(app, write.runId)).filter((action) => action === "checkpoint.resolve")).toHaveLength(1);
  });

  it("denies an ADMIN call on one denial, even after an approval", async () => {
    const { app, running } = await deployment();
    await writeFile(join(app.root, "keep.txt"), "x");
    const del = await app.pause("files__delete", { path: "keep.txt" }, { principal: principal("carol") });
    await vote(running.url, "alice", del.id, { decision: "approve", approvalId: del.approvalId });
    const denied = await vote(running.url, "carol", del.id, {
      decision: "deny",
      approvalId: del.approvalId,
      reason: "mine, and no",
    });
    expect(denied.body).toMatchObject({ status: "denied", approvals: ["alice"], quorum: 2 });
    const [decision] = await ledgerOf(running);
    expect(decision).toMatchObject({
      kind: "decision",
      decision: "denied",
      principal: { id: "carol" },
      reason: "mine, and no",
      approvals: ["alice"],
    });
    await waitFor(async () => (await auditActions(app, del.runId)).includes("run.complete"));
    expect(existsSync(join(app.root, "keep.txt"))).toBe(true);
  });

  it("takes quorums per plugin or action from the policy", async () => {
    const { app, running } = await deployment({
      policy: { rules: { "files.write": { quorum: 2 }, files: { roles: ["admin"] } } },
    });
    const write = await app.pause("files__write", { path: "two.txt", content: "2" });
    expect(
      (await vote(running.url, "april", write.id, { decision: "approve", approvalId: write.approvalId })).body.error
        ?.code,
    ).toBe("CORTEX_SERVER_FORBIDDEN");
    expect(
      (await vote(running.url, "alice", write.id, { decision: "approve", approvalId: write.approvalId })).body.status,
    ).toBe("pending");
    const second = await vote(running.url, "bob", write.id, { decision: "approve", approvalId: write.approvalId });
    expect(second.body).toMatchObject({ status: "approved" });
    await waitFor(() => existsSync(join(app.root, "two.txt")));
  });

  it("keeps votes across a restart: the second approval after it completes the quorum", async () => {
    const app = await makeApp();
    cleanups.push(() => app.close());
    await writeFile(join(app.root, "old.txt"), "x");
    const del = await app.pause("files__delete", { path: "old.txt" }, { principal: principal("carol") });
    const before = await startServer(app);
    expect(
      (await vote(before.url, "alice", del.id, { decision: "approve", approvalId: del.approvalId })).body.status,
    ).toBe("pending");
    await before.close();

    const after = await startServer(app, { ledger: new JsonlLedger({ path: app.ledgerPath, key: KEY }) });
    cleanups.push(() => after.close());
    const view = await call<CheckpointView>(after.url, `/api/checkpoints/${del.id}`, { as: "bob" });
    expect(view.body.votes).toMatchObject({
      approvals: ["alice"],
      quorum: 2,
      list: [{ principal: "alice", decision: "approve" }],
    });
    expect(
      (await vote(after.url, "alice", del.id, { decision: "approve", approvalId: del.approvalId })).body.error?.code,
    ).toBe("CORTEX_SERVER_ALREADY_VOTED");
    expect(
      (await vote(after.url, "bob", del.id, { decision: "approve", approvalId: del.approvalId })).body.status,
    ).toBe("approved");
    await waitFor(() => !existsSync(join(app.root, "old.txt")), WAIT_MS, "the delete");
  });

  it("decides once when two servers count votes at the same moment", async () => {
    const app = await makeApp();
    cleanups.push(() => app.close());
    await writeFile(join(app.root, "race.txt"), "x");
    const one = await startServer(app);
    const two = await startServer(app, { ledger: new JsonlLedger({ path: app.ledgerPath, key: KEY }) });
    cleanups.push(
      () => one.close(),
      () => two.close(),
    );
    const del = await app.pause("files__delete", { path: "race.txt" }, { principal: principal("carol") });
    const body = { decision: "approve", approvalId: del.approvalId };
    const results = await Promise.all([vote(one.url, "alice", del.id, body), vote(two.url, "bob", del.id, body)]);
    expect(results.map((result) => result.status)).toEqual([200, 200]);
    expect(results.map((result) => result.body.status).sort()).toEqual(["approved", "pending"]);
    await waitFor(() => !existsSync(join(app.root, "race.txt")));
    const records = await ledgerOf(one);
    expect(records.map((record) => record.kind)).toEqual(["decision", "vote", "vote"]);
    await waitFor(async () => (await auditActions(app, del.runId)).includes("run.complete"));
    expect((await auditActions(app, del.runId)).filter((action) => action === "checkpoint.resolve")).toHaveLength(1);
  });

  it("expires a checkpoint nobody decided in time: denied, recorded, and the run resumes without the call", async () => {
    const { app, running } = await deployment({ policy: { confirm: { expireAfterMs: 300 } } });
    const write = await app.pause("files__write", { path: "late.txt", content: "late" });
    await waitFor(async () => (await ledgerOf(running)).length === 1, WAIT_MS, "the expiry");
    const [expired] = await ledgerOf(running);
    expect(expired).toMatchObject({
      kind: "decision",
      decision: "expired",
      principal: null,
      checkpointId: write.id,
      approvalId: write.approvalId,
    });
    expect((expired as { reason: string }).reason).toMatch(/^expired at .*: no decision in time$/);
    await waitFor(async () => (await auditActions(app, write.runId)).includes("run.complete"));
    const text = await readFile(app.auditPath, "utf8");
    expect(text).toContain('"decidedBy":"(expired)"');
    expect(existsSync(join(app.root, "late.txt"))).toBe(false);
    const tooLate = await vote(running.url, "alice", write.id, { decision: "approve", approvalId: write.approvalId });
    expect(tooLate.body.error?.code).toBe("CORTEX_SERVER_ALREADY_DECIDED");
  });

  it("refuses a vote that comes after the checkpoint's time, recording the expiry", async () => {
    let offset = 0;
    const { app, running } = await deployment({ now: () => Date.now() + offset, pollIntervalMs: 60_000 });
    const write = await app.pause("files__write", { path: "x.txt", content: "x" });
    offset = 25 * 60 * 60_000;
    const refused = await vote(running.url, "alice", write.id, { decision: "approve", approvalId: write.approvalId });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe("CORTEX_SERVER_EXPIRED");
    expect((await ledgerOf(running)).map((record) => ("decision" in record ? record.decision : ""))).toEqual([
      "expired",
    ]);
  });

  it("hands decisions to workers through a queue decider, bound to the call's approval id", async () => {
    const app = await makeApp();
    cleanups.push(() => app.close());
    const jobs: ResumeJob[] = [];
    const running = await startServer(app, { decider: queueDecider((job) => Promise.resolve(jobs.push(job))) });
    cleanups.push(() => running.close());
    const write = await app.pause("files__write", { path: "q.txt", content: "queued" });
    await vote(running.url, "april", write.id, { decision: "approve", approvalId: write.approvalId, reason: "ok" });
    await waitFor(() => jobs.length === 1);
    expect(jobs[0]).toEqual({
      checkpointId: write.id,
      decision: { approved: true, decidedBy: "april", reason: "ok", approvalId: write.approvalId },
    });
    const worker = app.side();
    expect((await worker.engine.resolveCheckpoint(jobs[0]!.checkpointId, jobs[0]!.decision)).status).toBe("completed");
    expect(await readFile(join(app.root, "q.txt"), "utf8")).toBe("queued");
  });

  it("carries out a decision whose resume failed, on a later poll", async () => {
    const app = await makeApp();
    cleanups.push(() => app.close());
    const worker = app.side();
    let failures = 1;
    const running = await startServer(app, {
      decider: {
        async resume(job) {
          if (failures-- > 0) throw new Error("the queue is down");
          const result = await worker.engine.resolveCheckpoint(job.checkpointId, job.decision);
          return { status: result.status, runId: result.runId };
        },
      },
    });
    cleanups.push(() => running.close());
    const write = await app.pause("files__write", { path: "retry.txt", content: "r" });
    await vote(running.url, "alice", write.id, { decision: "approve", approvalId: write.approvalId });
    await waitFor(() => existsSync(join(app.root, "retry.txt")), WAIT_MS, "the retried resume");
  });
});
