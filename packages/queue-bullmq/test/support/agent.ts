import { ActionTier, PluginHealthStatus, type Plugin } from "@cortex/plugins";
import type { ModelClient, ModelMessage, ModelRequest, ModelResponse } from "@cortex/primitives";
import type pg from "pg";

/** The agent of the queue tests: two AUTO steps, then one CONFIRM call, then an answer. */
export const AGENT = { id: "ops", instructions: "Do the steps, then commit.", maxSteps: 12 };

const toolResults = (messages: readonly ModelMessage[]) =>
  messages.filter((m): m is Extract<ModelMessage, { role: "tool" }> => m.role === "tool");

/** The key the run's input names (`key=<key>`). */
export function keyOf(messages: readonly ModelMessage[]): string {
  const input = messages.find((m) => m.role === "user")?.content ?? "";
  return /key=(\S+)/.exec(input)?.[1] ?? "none";
}

/**
 * A zero-cost model that decides from the conversation alone (so any
 * process can continue any run): `ops__step` twice, then `ops__commit`
 * with the run's key and an attempt number; a commit that was interrupted
 * is asked again (a new call, needing a new approval); then it answers
 * with how the commit ended.
 */
export class OpsModel implements ModelClient {
  generate(request: ModelRequest): Promise<ModelResponse> {
    const { messages } = request;
    const results = toolResults(messages);
    const id = `c${messages.filter((m) => m.role === "assistant").length}`;
    const key = keyOf(messages);
    if (results.length < 2) return call(id, "ops__step", { key, n: results.length + 1 });
    // A run whose input says "auto" has AUTO steps only.
    if (/\bauto\b/.test(messages.find((m) => m.role === "user")?.content ?? "")) {
      return Promise.resolve({ content: `${key} done` });
    }
    const commits = results.filter((m) => m.name === "ops__commit");
    const last = commits.at(-1);
    if (last === undefined || (last.content.includes("CORTEX_TOOL_INTERRUPTED") && commits.length < 4)) {
      return call(id, "ops__commit", { key, attempt: commits.length + 1 });
    }
    const outcome = last.content.includes('"ok":true')
      ? "committed"
      : last.content.includes("CORTEX_TOOL_INTERRUPTED")
        ? "interrupted"
        : "refused";
    return Promise.resolve({ content: `${key} ${outcome}` });
  }
}

const call = (id: string, name: string, args: Record<string, unknown>): Promise<ModelResponse> =>
  Promise.resolve({ toolCalls: [{ id, name, arguments: args }] });

/** Creates the table the ops plugin writes each execution into. */
export async function createExecutions(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS "${schema}".executions (
    key text NOT NULL, action text NOT NULL, attempt integer, pid integer NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
}

/**
 * A plugin whose every execution is a row in PostgreSQL: `step` (AUTO) and
 * `commit` (CONFIRM). Each takes `callMs` after writing its row, so a crash
 * can fall between a call's effect and its end. Without a pool it records nothing (a zero-cost plugin).
 */
export function opsPlugin(
  pool: pg.Pool | undefined,
  schema: string,
  callMs = 0,
  onCommit?: (key: string) => void,
  commitMs = callMs,
): Plugin {
  const param = { type: "object", properties: { key: { type: "string" } }, required: ["key"] };
  return {
    name: "ops",
    version: "1.0.0",
    description: "Steps and commits, each recorded",
    setup: () => Promise.resolve(),
    teardown: () => Promise.resolve(),
    listActions: () => [
      { name: "step", description: "A step", tier: ActionTier.AUTO, parameters: param },
      { name: "commit", description: "Commit", tier: ActionTier.CONFIRM, parameters: param },
    ],
    async executeAction(action, params) {
      const key = String(params.key);
      const attempt = typeof params.attempt === "number" ? params.attempt : null;
      await pool?.query(`INSERT INTO "${schema}".executions (key, action, attempt, pid) VALUES ($1, $2, $3, $4)`, [
        key,
        action,
        attempt,
        process.pid,
      ]);
      if (action === "commit") onCommit?.(key);
      const ms = action === "commit" ? commitMs : callMs;
      if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
      return { success: true, data: { key, action } };
    },
    health: () => Promise.resolve({ plugin: "ops", status: PluginHealthStatus.HEALTHY }),
  };
}
