import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunResult } from "@cortex/core";
import { describe, expect, it } from "vitest";
import { makeApp } from "./support/app.js";
import { raceProcesses } from "./support/processes.js";
import { startServer, vote, waitFor, WAIT_MS } from "./support/server.js";

describe("the server and the app in different processes", () => {
  it("decides a run another process paused and resumes it here, through a shared JSON-file store", async () => {
    const app = await makeApp();
    const running = await startServer(app);
    try {
      await writeFile(join(app.root, "far.txt"), "far");
      const [write, del] = await Promise.all([
        raceProcesses<RunResult>(
          "pause-run.ts",
          () => [app.dir, "files__write", JSON.stringify({ path: "near.txt", content: "from afar" })],
          1,
        ),
        raceProcesses<RunResult>(
          "pause-run.ts",
          () => [app.dir, "files__delete", JSON.stringify({ path: "far.txt" }), "carol"],
          1,
        ),
      ]).then((results) => results.map(([result]) => result!));
      expect([write!.status, del!.status]).toEqual(["awaiting_approval", "awaiting_approval"]);
      await vote(running.url, "april", write!.checkpoint!.id, {
        decision: "approve",
        approvalId: write!.checkpoint!.approvalId,
      });
      await vote(running.url, "alice", del!.checkpoint!.id, {
        decision: "approve",
        approvalId: del!.checkpoint!.approvalId,
      });
      await vote(running.url, "bob", del!.checkpoint!.id, {
        decision: "approve",
        approvalId: del!.checkpoint!.approvalId,
      });
      await waitFor(
        () => existsSync(join(app.root, "near.txt")) && !existsSync(join(app.root, "far.txt")),
        WAIT_MS,
        "both calls",
      );
      expect(await readFile(join(app.root, "near.txt"), "utf8")).toBe("from afar");
    } finally {
      await running.close();
      await app.close();
    }
  });
});
