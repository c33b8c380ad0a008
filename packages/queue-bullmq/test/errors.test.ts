import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import {
  QUEUE_BULLMQ_ERRORS,
  QueueClosedError,
  QueueCommandError,
  QueueConnectionError,
  RunQueue,
} from "../src/index.js";
import { queueErrorOf } from "../src/errors.js";

describe("errors", () => {
  it("documents every code in its section of docs/errors.md", () => {
    expect(errorDocProblems("@cortex/queue-bullmq", QUEUE_BULLMQ_ERRORS)).toEqual([]);
  });

  it("codes what Redis throws: a connection problem, or a refused command", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(queueErrorOf(refused, "start")).toBeInstanceOf(QueueConnectionError);
    expect(queueErrorOf(new Error("OOM command not allowed when used memory > 'maxmemory'"), "start")).toBeInstanceOf(
      QueueCommandError,
    );
    const closed = new QueueClosedError("queue client");
    expect(queueErrorOf(closed, "start")).toBe(closed);
  });

  it("reports a Redis nobody listens on as CORTEX_QUEUE_CONNECTION_FAILED", async () => {
    const client = new RunQueue({ connection: "redis://127.0.0.1:1", queueName: "nowhere", commandTimeoutMs: 1_000 });
    try {
      await expect(client.start("ops", "x")).rejects.toMatchObject({ code: "CORTEX_QUEUE_CONNECTION_FAILED" });
    } finally {
      await client.close();
    }
    await expect(client.start("ops", "x")).rejects.toMatchObject({ code: "CORTEX_QUEUE_CLOSED" });
  });
});
