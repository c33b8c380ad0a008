import { existsSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApp, type TestApp } from "./support/app.js";
import { call, principal, startServer, vote, waitFor, type Running } from "./support/server.js";

interface Operation {
  operationId: string;
  parameters: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
  security: unknown[];
}

interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

let app: TestApp;
let running: Running;
let document: Document;

beforeAll(async () => {
  app = await makeApp();
  running = await startServer(app);
  document = (await call<Document>(running.url, "/api/openapi.json", { as: "victor" })).body;
});

afterAll(async () => {
  await running.close();
  await app.close();
});

const ajv = new Ajv({ strict: false, allErrors: true });

/** Checks a live response against the schema the document gives for it. */
async function conforms(method: string, template: string, path: string, options: Parameters<typeof call>[2] = {}) {
  const reply = await call(running.url, path, { as: "alice", method, ...options });
  const operation = document.paths[template]?.[method.toLowerCase()];
  expect(operation, `${method} ${template} is documented`).toBeDefined();
  const schema = operation!.responses[String(reply.status)]?.content?.["application/json"]?.schema;
  expect(schema, `${method} ${template} documents status ${reply.status}`).toBeDefined();
  const validate = ajv.compile(schema!);
  expect(validate(reply.body) ? [] : validate.errors, `${method} ${path}`).toEqual([]);
  return reply;
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 and lists every route with its security", () => {
    expect(document.openapi).toBe("3.1.0");
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId}`),
    );
    expect(operations.sort()).toEqual(
      [
        "POST /api/session signIn",
        "GET /api/session getSession",
        "DELETE /api/session signOut",
        "GET /api/checkpoints listPending",
        "GET /api/checkpoints/{checkpointId} getCheckpoint",
        "POST /api/checkpoints/{checkpointId}/decision decide",
        "GET /api/runs listRuns",
        "GET /api/runs/{runId} getRun",
        "GET /api/ledger listLedger",
        "GET /api/ledger/verify verifyLedger",
        "GET /api/health health",
        "GET /api/openapi.json openapi",
        "GET /api/events events",
      ].sort(),
    );
    expect(document.paths["/api/session"]!.post!.security).toEqual([]);
    expect(document.paths["/api/checkpoints"]!.get!.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(
      document.paths["/api/checkpoints/{checkpointId}/decision"]!.post!.parameters.map((p) => `${p.in}:${p.name}`),
    ).toEqual(["path:checkpointId", "header:x-csrf-token"]);
  });

  it("describes what the API answers, for every route and for its errors", async () => {
    await writeFileIn(app, "gone.txt");
    const write = await app.pause("files__write", { path: "doc.txt", content: "d" });
    const del = await app.pause("files__delete", { path: "gone.txt" }, { principal: principal("carol") });
    await conforms("GET", "/api/checkpoints", "/api/checkpoints");
    await conforms("GET", "/api/checkpoints", "/api/checkpoints?tier=ADMIN&limit=1");
    await conforms("GET", "/api/checkpoints/{checkpointId}", `/api/checkpoints/${write.id}`);
    await conforms("GET", "/api/checkpoints/{checkpointId}", `/api/checkpoints/${del.id}`);
    await conforms("POST", "/api/checkpoints/{checkpointId}/decision", `/api/checkpoints/${del.id}/decision`, {
      body: { decision: "approve", approvalId: del.approvalId, reason: "ok" },
    });
    await conforms("POST", "/api/checkpoints/{checkpointId}/decision", `/api/checkpoints/${write.id}/decision`, {
      body: { decision: "approve", approvalId: del.approvalId },
    });
    await vote(running.url, "bob", del.id, { decision: "approve", approvalId: del.approvalId });
    await waitFor(() => !existsSync(join(app.root, "gone.txt")));
    await conforms("POST", "/api/checkpoints/{checkpointId}/decision", `/api/checkpoints/${del.id}/decision`, {
      body: { decision: "deny", approvalId: del.approvalId },
    });
    await conforms("GET", "/api/checkpoints/{checkpointId}", "/api/checkpoints/cp_missing");
    await conforms("GET", "/api/runs", "/api/runs");
    await conforms("GET", "/api/runs/{runId}", `/api/runs/${write.runId}`);
    await conforms("GET", "/api/runs/{runId}", "/api/runs/run_missing");
    await conforms("GET", "/api/ledger", "/api/ledger");
    await conforms("GET", "/api/ledger/verify", "/api/ledger/verify");
    await conforms("GET", "/api/health", "/api/health");
    await conforms("GET", "/api/session", "/api/session");
    await conforms("POST", "/api/session", "/api/session", { as: undefined, body: { token: "wrong" } });
  });
});

async function writeFileIn(testApp: TestApp, name: string): Promise<void> {
  const { writeFile } = await import("node:fs/promises");
  await writeFile(join(testApp.root, name), "x");
}
