import type { Principal } from "@cortex/plugins";
import { checkTimeLimit, InvalidOptionsError, isPlainObject, type ModelMessage } from "@cortex/primitives";
import { shown, toJson } from "../json.js";
import type { RunSink } from "../run/run-events.js";
import type { RunBudget } from "../run/run-state.js";
import { prepareOutput, type PreparedOutput } from "../run/structured-output.js";
import { isSafeId } from "../store/store-files.js";
import type { ResolvedAgent } from "./agents.js";
import { readBudget, type EngineSettings, type RunOptions } from "./options.js";

/** What `run` and `stream` take as input: a user message, or messages to add to the conversation. */
export type RunInput = string | ModelMessage[];

/** A run's options after checking, with the agent's and the engine's defaults filled in. */
export interface RunPlan {
  signal?: AbortSignal | undefined;
  principal?: Principal | undefined;
  sessionId?: string | undefined;
  runId?: string | undefined;
  output?: PreparedOutput | undefined;
  budget?: RunBudget | undefined;
  checkpointTtlMs?: number | undefined;
  /** Set for a streamed run. */
  sink?: RunSink | undefined;
}

const ROLES = ["system", "user", "assistant", "tool"];

/** Why a message of the input cannot be used (the field at fault, and what is wrong), or undefined. */
function messageProblem(message: unknown): [string, string] | undefined {
  if (!isPlainObject(message) || !ROLES.includes(message.role as string)) {
    return ["role", `must be one of ${ROLES.join(", ")}`];
  }
  const { role, content } = message;
  if (role === "assistant") {
    if (content !== undefined && typeof content !== "string") return ["content", "must be a string"];
    const calls = message.toolCalls;
    if (calls === undefined) return content === undefined ? ["content", "is needed without toolCalls"] : undefined;
    if (!Array.isArray(calls)) return ["toolCalls", "must be a list"];
    const bad = calls.findIndex((c) => !isPlainObject(c) || typeof c.id !== "string" || typeof c.name !== "string");
    return bad === -1 ? undefined : [`toolCalls[${bad}]`, "must have an id and a name"];
  }
  if (typeof content !== "string") return ["content", "must be a string"];
  if (role === "tool" && (typeof message.toolCallId !== "string" || typeof message.name !== "string")) {
    return ["toolCallId", "and name must be strings"];
  }
  return undefined;
}

/**
 * The messages a run starts with: a string is one user message; a list of
 * `ModelMessage`s is checked (each at `input[i]`) and copied through JSON,
 * so the run shares no object with the caller.
 */
export function readInput(input: unknown): ModelMessage[] {
  if (!Array.isArray(input)) return [{ role: "user", content: String(input) }];
  if (input.length === 0) throw new InvalidOptionsError("input", "input must hold at least one message");
  input.forEach((message, i) => {
    const problem = messageProblem(message);
    if (problem) throw new InvalidOptionsError(`input[${i}].${problem[0]}`, `input[${i}].${problem[0]} ${problem[1]}`);
  });
  const copy = toJson(input);
  if (copy === undefined)
    throw new InvalidOptionsError("input", "input holds something JSON cannot (a BigInt, a cycle)");
  return JSON.parse(copy) as ModelMessage[];
}

/**
 * Checks a run's options (`CORTEX_INVALID_OPTIONS` naming the one at fault)
 * and fills in the defaults: the agent's budget under the run's, the
 * engine's checkpoint time to live.
 */
export function planRun(options: RunOptions, agent: ResolvedAgent, settings: EngineSettings): RunPlan {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionsError("options", "run options must be an object");
  }
  const { signal, principal, sessionId, runId, output, budget, checkpointTtlMs } = options;
  if (runId !== undefined && !(isSafeId(runId) && runId.length <= 128)) {
    throw new InvalidOptionsError("runId", `runId must be 1-128 letters, digits, "_", "." or "-"; got ${shown(runId)}`);
  }
  if (sessionId !== undefined && !(isSafeId(sessionId) && sessionId.length <= 128)) {
    throw new InvalidOptionsError(
      "sessionId",
      `sessionId must be 1-128 letters, digits, "_", "." or "-" (not starting with "."); got ${shown(sessionId)}`,
    );
  }
  const own = readBudget("run", "budget", budget);
  const merged = agent.budget === undefined && own === undefined ? undefined : { ...agent.budget, ...own };
  const ttl = checkTimeLimit("run", "checkpointTtlMs", checkpointTtlMs ?? settings.checkpointTtlMs);
  return {
    signal,
    principal,
    sessionId,
    runId,
    output: output === undefined ? undefined : prepareOutput(output),
    budget: merged,
    checkpointTtlMs: ttl === Infinity ? undefined : ttl,
    sink: undefined,
  };
}
