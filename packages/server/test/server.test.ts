import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  CheckpointView,
  LedgerPage,
  LedgerVerification,
  PendingView,
  RunSummary,
  TimelineEvent,
} from "../src/index.js";
import { makeApp, type TestApp } from "./support/app.js";
import { call, PEOPLE, principal, startServer, vote, waitFor, WAIT_MS, type Running } from "./support/server.js";

interface RunView {
  run: RunSummary;
  events: TimelineEvent[];
}

let app: TestApp;
let running: Running;

beforeEach(async () => {
  app = await makeApp();
  running = await startServer(app);
});

afterEach(async () => {
  await running.close();
  await app.close();
});

describe("the API", () => {
  it("lists a paused call with its votes and expiry, and shows the exact call, its preview and its run's context", async () => {
    const checkpoint = await app.pause("files__write", {
      path: "notes/plan.md",
      content: "step one\n",
      createDirectories: true,
    });
    const list = await call<{ items: PendingView[] }>(running.url, "/api/checkpoints", { as: "alice" });
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        checkpointId: checkpoint.id,
        runId: checkpoint.runId,
        agentId: "writer",
        plugin: "files",
        action: "write",
        tier: "CONFIRM",
        params: { path: "notes/plan.md", content: "step one\n", createDirectories: true },
        approvalId: checkpoint.approvalId,
        votes: { approvals: [], quorum: 1 },
      }),
    ]);
    expect(Date.parse(list.body.items[0]!.expiresAt) - Date.parse(checkpoint.createdAt)).toBe(24 * 60 * 60_000);

    const one = await call<CheckpointView>(running.url, `/api/checkpoints/${checkpoint.id}`, { as: "alice" });
    expect(one.status).toBe(200);
    expect(one.body.checkpoint).toMatchObject({
      checkpointId: checkpoint.id,
      approvalId: checkpoint.approvalId,
      tier: "CONFIRM",
    });
    expect(one.body.preview).toEqual({
      preview: {
        summary: "create notes/plan.md (1 line)",
        diff: expect.stringContaining("+step one") as string,
        details: { path: "notes/plan.md", exists: false, bytes: 9 },
      },
    });
    expect(one.body.run).toMatchObject({ agentId: "writer", principal: null, steps: 1 });
    expect(JSON.parse(one.body.run.input!)).toMatchObject({ tool: "files__write" });
    expect(one.body.run.messages.at(-1)).toMatchObject({ role: "assistant", toolCalls: [{ name: "files__write" }] });
    expect(one.body.you).toEqual({ canApprove: true, canDeny: true });
    expect(one.body.rule).toEqual({ quorum: 1, roles: ["approver", "admin"], selfApproval: true });
  });

  it("filters the pending checkpoints by agent, plugin and tier, and pages through them with the cursor", async () => {
    const first = await app.pause("files__write", { path: "a.md", content: "a\n" });
    await writeFile(join(app.root, "b.md"), "b\n");
    const admin = await app.pause("files__delete", { path: "b.md" }, { principal: principal("carol") });
    const last = await app.pause("files__write", { path: "c.md", content: "c\n" });
    const ids = (page: { items: PendingView[] }) => page.items.map((item) => item.checkpointId);

    const one = await call<{ items: PendingView[]; nextCursor?: string }>(running.url, "/api/checkpoints?limit=2", {
      as: "alice",
    });
    expect(one.status).toBe(200);
    expect(one.body.items).toHaveLength(2);
    expect(one.body.nextCursor).toEqual(expect.any(String));
    const two = await call<{ items: PendingView[]; nextCursor?: string }>(
      running.url,
      `/api/checkpoints?limit=2&after=${encodeURIComponent(one.body.nextCursor!)}`,
      { as: "alice" },
    );
    expect(two.body.nextCursor).toBeUndefined();
    expect([...ids(one.body), ...ids(two.body)].sort()).toEqual([first.id, admin.id, last.id].sort());

    const byTier = await call<{ items: PendingView[] }>(running.url, "/api/checkpoints?tier=ADMIN", { as: "alice" });
    expect(ids(byTier.body)).toEqual([admin.id]);
    expect(byTier.body.items[0]!.votes).toEqual({ approvals: [], quorum: 2 });
    const byPlugin = await call<{ items: PendingView[] }>(running.url, "/api/checkpoints?plugin=files&tier=CONFIRM", {
      as: "alice",
    });
    expect(ids(byPlugin.body).sort()).toEqual([first.id, last.id].sort());
    const byAgent = await call<{ items: PendingView[] }>(running.url, "/api/checkpoints?agentId=writer", {
      as: "alice",
    });
    expect(byAgent.body.items).toHaveLength(3);
    const nobody = await call<{ items: PendingView[] }>(running.url, "/api/checkpoints?agentId=reader", {
      as: "alice",
    });
    expect(nobody.body.items).toEqual([]);

    const badTier = await call<{ error: { code: string } }>(running.url, "/api/checkpoints?tier=AUTO", { as: "alice" });
    expect([badTier.status, badTier.body.error.code]).toEqual([400, "CORTEX_SERVER_BAD_REQUEST"]);
  });

  it("approves a CONFIRM call with one vote: the run resumes through the engine and the file is written", async () => {
    const checkpoint = await app.pause("files__write", { path: "plan.md", content: "hello" });
    const result = await vote(running.url, "april", checkpoint.id, {
      decision: "approve",
      approvalId: checkpoint.approvalId,
      reason: "looks right",
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: "approved", approvals: ["april"], quorum: 1 });
    await waitFor(() => existsSync(join(app.root, "plan.md")), WAIT_MS, "the file");
    expect(await readFile(join(app.root, "plan.md"), "utf8")).toBe("hello");
    const run = await waitFor(async () => {
      const reply = await call<RunView>(running.url, `/api/runs/${checkpoint.runId}`, { as: "victor" });
      return reply.body.run.status === "completed" ? reply.body : undefined;
    });
    expect(run.events.map((event) => event.action)).toEqual(
      expect.arrayContaining(["run.start", "checkpoint.create", "checkpoint.resolve", "tool.complete", "run.complete"]),
    );
    const resolved = run.events.find((event) => event.action === "checkpoint.resolve");
    expect(resolved).toMatchObject({ outcome: "approved", reason: "looks right", metadata: { decidedBy: "april" } });
    const ledger = await call<LedgerPage & { head: { seq: number } }>(running.url, "/api/ledger", { as: "victor" });
    expect(ledger.body.items.map((record) => [record.kind, "decision" in record ? record.decision : ""])).toEqual([
      ["decision", "approved"],
      ["vote", "approve"],
    ]);
    expect(ledger.body.items[1]).toMatchObject({
      principal: { id: "april", roles: ["approver"] },
      reason: "looks right",
      approvalId: checkpoint.approvalId,
      checkpointId: checkpoint.id,
    });
    expect(ledger.body.head.seq).toBe(2);
    expect((await call<LedgerVerification>(running.url, "/api/ledger/verify", { as: "victor" })).body).toMatchObject({
      ok: true,
      records: 2,
      signed: true,
    });
  });

  it("denies with a reason: the run goes on without the call and the model is told", async () => {
    const checkpoint = await app.pause("files__write", { path: "no.md", content: "x" });
    const result = await vote(running.url, "alice", checkpoint.id, {
      decision: "deny",
      approvalId: checkpoint.approvalId,
      reason: "not today",
    });
    expect(result.body).toMatchObject({ status: "denied", approvals: [] });
    const run = await waitFor(async () => {
      const reply = await call<RunView>(running.url, `/api/runs/${checkpoint.runId}`, { as: "alice" });
      return reply.body.run.status === "completed" ? reply.body : undefined;
    });
    expect(run.events.find((event) => event.action === "checkpoint.resolve")).toMatchObject({
      outcome: "denied",
      reason: "not today",
    });
    // The call ended as a failed tool call, which is what the model is given as the tool's result.
    expect(run.events.find((event) => event.action === "tool.fail")).toMatchObject({
      metadata: { code: "CORTEX_APPROVAL_DENIED" },
      reason: expect.stringContaining("denied by alice: not today") as string,
    });
    expect(existsSync(join(app.root, "no.md"))).toBe(false);
  });

  it("lets no principal act twice, and the run's own principal never approve its ADMIN call", async () => {
    await app.pause("files__write", { path: "victim.txt", content: "keep me" });
    const write = (await call<{ items: PendingView[] }>(running.url, "/api/checkpoints", { as: "alice" })).body
      .items[0]!;
    await vote(running.url, "alice", write.checkpointId, { decision: "approve", approvalId: write.approvalId });
    await waitFor(() => existsSync(join(app.root, "victim.txt")));
    const checkpoint = await app.pause("files__delete", { path: "victim.txt" }, { principal: principal("carol") });
    const body = { decision: "approve", approvalId: checkpoint.approvalId };

    const own = await vote(running.url, "carol", checkpoint.id, body);
    expect(own.status).toBe(403);
    expect(own.body.error?.code).toBe("CORTEX_SERVER_SELF_APPROVAL");

    const first = await vote(running.url, "alice", checkpoint.id, body);
    expect(first.body).toMatchObject({ status: "pending", approvals: ["alice"], quorum: 2 });
    expect(existsSync(join(app.root, "victim.txt"))).toBe(true);

    const again = await vote(running.url, "alice", checkpoint.id, body);
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe("CORTEX_SERVER_ALREADY_VOTED");

    const approver = await vote(running.url, "april", checkpoint.id, body);
    expect(approver.status).toBe(403);
    expect(approver.body.error?.code).toBe("CORTEX_SERVER_FORBIDDEN");

    const second = await vote(running.url, "bob", checkpoint.id, body);
    expect(second.body).toMatchObject({ status: "approved", approvals: ["alice", "bob"], quorum: 2 });
    await waitFor(() => !existsSync(join(app.root, "victim.txt")), WAIT_MS, "the delete");

    const late = await vote(running.url, "carol", checkpoint.id, {
      decision: "deny",
      approvalId: checkpoint.approvalId,
    });
    expect(late.status).toBe(409);
    expect(late.body.error?.code).toBe("CORTEX_SERVER_ALREADY_DECIDED");
  });

  it("streams server-sent events: a pause, then the vote that decides it; a stream ends with its session", async () => {
    const response = await fetch(`${running.url}/api/events`, {
      headers: { authorization: `Bearer ${PEOPLE.alice.token}` },
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const stream = reader(response);
    await stream.until(/retry: 2000\n\n/);
    const checkpoint = await app.pause("files__write", { path: "sse.txt", content: "s" });
    await stream.until(
      new RegExp(`event: pending\ndata: \\{"type":"pending","added":\\["${checkpoint.id}"\\],"removed":\\[\\]\\}\n\n`),
    );
    await vote(running.url, "alice", checkpoint.id, { decision: "approve", approvalId: checkpoint.approvalId });
    await stream.until(
      new RegExp(`event: votes\ndata: \\{"type":"votes","checkpointId":"${checkpoint.id}","status":"approved"\\}`),
    );
    await stream.until(/event: ledger\n/);
    await stream.cancel();

    const signIn = await call<{ csrfToken: string }>(running.url, "/api/session", {
      method: "POST",
      body: { token: PEOPLE.bob.token },
    });
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    const session = reader(await fetch(`${running.url}/api/events`, { headers: { cookie } }));
    await session.until(/retry/);
    await call(running.url, "/api/session", {
      method: "DELETE",
      headers: { cookie, "x-csrf-token": signIn.body.csrfToken },
    });
    await app.pause("files__write", { path: "after.txt", content: "a" });
    expect(await session.ended()).toBe(true);
  });
});

/** Reads an event stream as text. */
function reader(response: Response) {
  const stream = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let done = false;
  const more = async () => {
    const next = await stream.read();
    if (next.done) done = true;
    else text += decoder.decode(next.value);
  };
  return {
    async until(pattern: RegExp) {
      while (!pattern.test(text)) {
        if (done) throw new Error(`the stream ended before ${String(pattern)}: ${text}`);
        await more();
      }
    },
    async ended() {
      while (!done) await more();
      return true;
    },
    cancel: () => stream.cancel(),
  };
}
