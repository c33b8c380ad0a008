import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("examples/support-desk.ts", () => {
  it("shows a persona, a behavior firing, a phase change, a handoff and an approval", async () => {
    const example = join(import.meta.dirname, "..", "examples", "support-desk.ts");
    const { stdout } = await run(process.execPath, ["--import", "tsx", example], {
      cwd: join(import.meta.dirname, ".."),
    });
    const lines = stdout.trim().split("\n");
    expect(lines).toEqual([
      'tool      cortex__handoff {"agent":"billing","message":"Refund order 7, it arrived broken"}',
      'handoff   triage -> billing: {"message":"Refund order 7, it arrived broken"}',
      "done      triage: Refund order 7, it arrived broken",
      "persona   ada for billing",
      "behavior  broken-goods",
      'tool      orders__lookup {"id":7}',
      "phase     investigate -> resolve",
      'tool      orders__refund {"id":7}',
      "approval  orders.refund is a CONFIRM action and needs approval",
      'approver  approves orders__refund {"id":7}',
      "done      billing: Order 7 is refunded: 42 EUR will be back on your card in 3 days.",
      'result    completed after handoffs ["triage->billing"]',
      expect.stringContaining("Current phase: investigate. Find the facts first.") as string,
    ]);
    expect(lines.at(-1)).toContain("Apologize for the damaged item.");
  }, 60_000);
});
