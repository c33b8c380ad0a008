import { randomUUID } from "node:crypto";
import type { RunState } from "@cortex/core";

export const AGENTS = Array.from({ length: 10 }, (_, i) => `agent${i}`);
const PLUGINS = ["mail", "files", "calendar", "crm"];
const BASE = Date.parse("2030-01-01T00:00:00.000Z");

/**
 * A paused run of typical size (about 1.3 kB of JSON): a user request, the
 * model's tool call, the call waiting at its CONFIRM checkpoint. `i` spreads
 * agents, plugins and pause times.
 */
export function pausedRun(i: number): RunState {
  const runId = `run_${randomUUID()}`;
  const agentId = AGENTS[i % AGENTS.length]!;
  const plugin = PLUGINS[i % PLUGINS.length]!;
  const args = {
    to: `user${i}@example.com`,
    subject: `Invoice ${i}`,
    body: "Hello, please find the invoice attached. ".repeat(3),
  };
  const toolName = `${plugin}__send`;
  return {
    version: 1,
    runId,
    agentId,
    status: "awaiting_approval",
    messages: [
      { role: "system", content: "You are a careful assistant who asks before sending anything on the user's behalf." },
      { role: "user", content: `Send the invoice ${i} to the customer and tell me when it is done.` },
      { role: "assistant", toolCalls: [{ id: `call_${i}`, name: toolName, arguments: args }] },
    ],
    stepIndex: 0,
    inStep: true,
    seq: 3,
    usage: { inputTokens: 0, outputTokens: 0 },
    modelCalls: 1,
    waitedMs: 0,
    inputStart: 0,
    toolRepairs: 0,
    startedAt: BASE + i * 1000,
    stepStartedAt: BASE + i * 1000,
    pending: [{ id: `call_${i}`, name: toolName, args }],
    checkpoint: {
      id: `cp_${randomUUID()}`,
      runId,
      agentId,
      reason: `${toolName} needs approval (CONFIRM)`,
      toolName,
      plugin,
      action: "send",
      tier: i % 7 === 0 ? "ADMIN" : "CONFIRM",
      args,
      approvalId: `ap_${randomUUID()}`,
      createdAt: new Date(BASE + i * 1000).toISOString(),
    },
    mind: { stepsInPhase: 0, injected: [], approvalTools: [], fired: [], inputChecked: true },
  };
}

/** Runs `work` for 0…count-1 with at most `concurrency` at once. */
export async function forEachLimited(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}
