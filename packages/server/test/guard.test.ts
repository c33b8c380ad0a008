import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LedgerPage, PendingView, VoteResult } from "../src/index.js";
import { makeApp, type TestApp } from "./support/app.js";
import { call, PEOPLE, startServer, type Running } from "./support/server.js";

let app: TestApp;
let running: Running;

beforeAll(async () => {
  app = await makeApp();
  running = await startServer(app);
});

afterAll(async () => {
  await running.close();
  await app.close();
});

const ROUTES: [string, string][] = [
  ["GET", "/api/session"],
  ["DELETE", "/api/session"],
  ["GET", "/api/checkpoints"],
  ["GET", "/api/checkpoints/cp_x"],
  ["POST", "/api/checkpoints/cp_x/decision"],
  ["GET", "/api/runs"],
  ["GET", "/api/runs/run_x"],
  ["GET", "/api/ledger"],
  ["GET", "/api/ledger/verify"],
  ["GET", "/api/health"],
  ["GET", "/api/openapi.json"],
  ["GET", "/api/events"],
];

/** Signs in through the API as the web page does; resolves to the cookie and CSRF token. */
async function signIn(person: keyof typeof PEOPLE): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const reply = await call<{ csrfToken: string }>(running.url, "/api/session", {
    method: "POST",
    body: { token: PEOPLE[person].token },
  });
  expect(reply.status).toBe(200);
  const setCookie = reply.headers.get("set-cookie")!;
  return { cookie: setCookie.split(";")[0]!, csrf: reply.body.csrfToken, setCookie };
}

/** A raw request with any Host header (fetch will not send another host). */
function rawGet(path: string, host: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(running.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path, headers: { host, authorization: `Bearer ${PEOPLE.alice.token}` } },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("authentication", () => {
  it("refuses every API route without credentials, with a coded JSON error", async () => {
    for (const [method, path] of ROUTES) {
      const reply = await call(running.url, path, { method, ...(method === "POST" ? { body: {} } : {}) });
      expect([method, path, reply.status, reply.body.error?.code]).toEqual([
        method,
        path,
        401,
        "CORTEX_SERVER_UNAUTHENTICATED",
      ]);
    }
  });

  it("refuses a wrong token, a malformed header, and a token sent as a cookie", async () => {
    expect((await call(running.url, "/api/checkpoints", { token: "wrong" })).status).toBe(401);
    expect((await call(running.url, "/api/checkpoints", { token: `${PEOPLE.alice.token}x` })).status).toBe(401);
    expect(
      (await call(running.url, "/api/checkpoints", { headers: { authorization: PEOPLE.alice.token } })).status,
    ).toBe(401);
    expect(
      (await call(running.url, "/api/checkpoints", { headers: { authorization: `Basic ${PEOPLE.alice.token}` } }))
        .status,
    ).toBe(401);
    expect(
      (await call(running.url, "/api/checkpoints", { headers: { cookie: `cortex_session=${PEOPLE.alice.token}` } }))
        .status,
    ).toBe(401);
    expect((await call(running.url, "/api/checkpoints", { as: "alice" })).status).toBe(200);
  });

  it("lets a viewer read but not decide", async () => {
    const write = await app.pause("files__write", { path: "v.txt", content: "v" });
    expect((await call(running.url, `/api/checkpoints/${write.id}`, { as: "victor" })).body).toMatchObject({
      you: { canApprove: false, canDeny: false, why: "deciding needs one of the roles approver, admin" },
    });
    const refused = await call(running.url, `/api/checkpoints/${write.id}/decision`, {
      as: "victor",
      method: "POST",
      body: { decision: "approve", approvalId: write.approvalId },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe("CORTEX_SERVER_FORBIDDEN");
  });

  it("refuses a Host this server does not answer for (DNS rebinding)", async () => {
    const refused = await rawGet("/api/checkpoints", "evil.example:80");
    expect(refused.status).toBe(421);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "CORTEX_SERVER_BAD_HOST" } });
    expect((await rawGet("/api/checkpoints", `localhost:${new URL(running.url).port}`)).status).toBe(200);
    expect((await rawGet("/", "evil.example")).status).toBe(421);
  });

  it("limits failed attempts per address and says when to try again", async () => {
    const strict = await startServer(app, { authFailuresPerMinute: 3 });
    try {
      for (let i = 0; i < 3; i++)
        expect((await call(strict.url, "/api/health", { token: `bad${i}` })).status).toBe(401);
      const limited = await call(strict.url, "/api/health", { as: "alice" });
      expect(limited.status).toBe(429);
      expect(limited.body.error?.code).toBe("CORTEX_SERVER_RATE_LIMITED");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      const signIn = await call(strict.url, "/api/session", { method: "POST", body: { token: PEOPLE.alice.token } });
      expect(signIn.status).toBe(429);
    } finally {
      await strict.close();
    }
  });
});

describe("web sessions", () => {
  it("sign in sets an HttpOnly, SameSite=Strict cookie and never echoes the token", async () => {
    const reply = await call(running.url, "/api/session", { method: "POST", body: { token: PEOPLE.bob.token } });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ principal: { id: "bob", roles: ["admin"] } });
    expect(reply.text).not.toContain(PEOPLE.bob.token);
    const cookie = reply.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^cortex_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(cookie).not.toContain(PEOPLE.bob.token);
  });

  it("refuses a wrong token, a body that is not JSON, and a sign-in from another origin", async () => {
    const wrong = await call(running.url, "/api/session", { method: "POST", body: { token: "nope" } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const text = await call(running.url, "/api/session", {
      method: "POST",
      body: `{"token":"${PEOPLE.bob.token}"}`,
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect(text.body.error?.code).toBe("CORTEX_SERVER_BAD_REQUEST");
    const foreign = await call(running.url, "/api/session", {
      method: "POST",
      body: { token: PEOPLE.bob.token },
      headers: { origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error?.code).toBe("CORTEX_SERVER_CSRF");
  });

  it("needs the CSRF token (and this origin) on every state-changing request of a cookie session", async () => {
    const write = await app.pause("files__write", { path: "csrf.txt", content: "c" });
    const { cookie, csrf } = await signIn("alice");
    const session = await call<{ csrfToken: string; principal: { id: string } }>(running.url, "/api/session", {
      headers: { cookie },
    });
    expect(session.body).toMatchObject({ principal: { id: "alice" }, csrfToken: csrf });
    expect((await call(running.url, "/api/checkpoints", { headers: { cookie } })).status).toBe(200);
    const path = `/api/checkpoints/${write.id}/decision`;
    const body = { decision: "deny", approvalId: write.approvalId };

    const missing = await call(running.url, path, { method: "POST", body, headers: { cookie } });
    expect([missing.status, missing.body.error?.code]).toEqual([403, "CORTEX_SERVER_CSRF"]);
    const wrong = await call(running.url, path, {
      method: "POST",
      body,
      headers: { cookie, "x-csrf-token": `${csrf.slice(0, -1)}${csrf.endsWith("A") ? "B" : "A"}` },
    });
    expect([wrong.status, wrong.body.error?.code]).toEqual([403, "CORTEX_SERVER_CSRF"]);
    const other = await signIn("bob");
    const stolen = await call(running.url, path, {
      method: "POST",
      body,
      headers: { cookie, "x-csrf-token": other.csrf },
    });
    expect(stolen.status).toBe(403);
    const foreign = await call(running.url, path, {
      method: "POST",
      body,
      headers: { cookie, "x-csrf-token": csrf, origin: "https://evil.example" },
    });
    expect([foreign.status, foreign.body.error?.code]).toEqual([403, "CORTEX_SERVER_CSRF"]);
    const signOut = await call(running.url, "/api/session", { method: "DELETE", headers: { cookie } });
    expect(signOut.status).toBe(403);
    expect((await call<LedgerPage>(running.url, "/api/ledger", { as: "alice" })).body.items).toEqual([]);

    const allowed = await call<VoteResult>(running.url, path, {
      method: "POST",
      body,
      headers: { cookie, "x-csrf-token": csrf, origin: running.url },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.status).toBe("denied");
    const [decision] = (await call<LedgerPage>(running.url, "/api/ledger", { as: "alice" })).body.items;
    expect(decision).toMatchObject({ kind: "decision", principal: { id: "alice", roles: ["admin"] } });
  });

  it("ends a session on sign-out: the cookie is cleared and no longer accepted", async () => {
    const { cookie, csrf } = await signIn("april");
    const out = await call(running.url, "/api/session", {
      method: "DELETE",
      headers: { cookie, "x-csrf-token": csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^cortex_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    expect((await call(running.url, "/api/checkpoints", { headers: { cookie } })).status).toBe(401);
  });

  it("ends an idle session", async () => {
    let now = Date.now();
    const idle = await startServer(app, { sessions: { idleMs: 1_000 }, now: () => now });
    try {
      const reply = await call<{ csrfToken: string }>(idle.url, "/api/session", {
        method: "POST",
        body: { token: PEOPLE.alice.token },
      });
      const cookie = reply.headers.get("set-cookie")!.split(";")[0]!;
      expect((await call(idle.url, "/api/health", { headers: { cookie } })).status).toBe(200);
      now += 2_000;
      expect((await call(idle.url, "/api/health", { headers: { cookie } })).status).toBe(401);
    } finally {
      await idle.close();
    }
  });
});

describe("responses", () => {
  it("carry a strict Content-Security-Policy and the other security headers, on pages and API alike", async () => {
    for (const path of ["/", "/js/app.js", "/style.css", "/api/health", "/api/nothing"]) {
      const reply = await call(running.url, path, { as: "alice" });
      expect(reply.headers.get("content-security-policy")).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(reply.headers.get("x-content-type-options")).toBe("nosniff");
      expect(reply.headers.get("x-frame-options")).toBe("DENY");
      expect(reply.headers.get("referrer-policy")).toBe("no-referrer");
    }
    expect((await call(running.url, "/api/health", { as: "alice" })).headers.get("cache-control")).toBe("no-store");
  });

  it("serves the page's files without credentials, with no inline script or style", async () => {
    const page = await call(running.url, "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.text).toMatch(/<script type="module" src="\/js\/app.js"><\/script>/);
    expect(page.text).not.toMatch(/<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=/);
    expect((await call(running.url, "/js/app.js")).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const missing = await call(running.url, "/js/../../package.json");
    expect(missing.status).toBe(404);
  });

  it("answers unknown routes and oversized bodies with coded JSON", async () => {
    const unknown = await call(running.url, "/api/nothing", { as: "alice" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe("CORTEX_SERVER_NOT_FOUND");
    const big = await call(running.url, "/api/checkpoints/cp_x/decision", {
      as: "alice",
      method: "POST",
      body: { decision: "approve", approvalId: "a".repeat(64), reason: "x".repeat(70_000) },
    });
    expect(big.status).toBe(413);
    expect(big.body.error?.code).toBe("CORTEX_SERVER_BAD_REQUEST");
    const query = await call<{ items: PendingView[] }>(running.url, "/api/checkpoints?limit=100000", { as: "alice" });
    expect(query.status).toBe(400);
    expect(query.body.error?.issues?.[0]?.path).toBe("/limit");
  });
});
