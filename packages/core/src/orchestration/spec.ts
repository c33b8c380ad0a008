import type { ErrorInfo } from "@cortex/primitives";
import { InvalidOrchestrationError } from "../errors.js";
import type { Checkpoint, RunResult, RunSummary } from "../run/run-state.js";

/** How work is shared between agents. */
export type OrchestrationSpec =
  /** Each agent's output is the next one's input; the last output is the result. */
  | { strategy: "sequential"; agents: string[] }
  /** Every agent gets the input, at most `concurrency` (default 4) at a time; all results are kept. */
  | { strategy: "parallel"; agents: string[]; concurrency?: number }
  /**
   * One agent is picked for the input: by a rule (a function returning an
   * agent id) or by a router agent whose answer names one of `agents`.
   */
  | { strategy: "router"; agents: string[]; route: ((input: string) => string | Promise<string>) | { agent: string } };

/** What `engine.orchestrate` resolves to; also attached to the result of a resumed run that continued one. */
export interface OrchestrationResult {
  orchestrationId: string;
  strategy: OrchestrationSpec["strategy"];
  status: "completed" | "failed" | "awaiting_approval";
  /** The final output: the last agent's (sequential, router), or every output in agent order (parallel). */
  output?: string;
  error?: ErrorInfo;
  /** Every run that ended so far: in the order they ended (sequential, router), in agent order (parallel). */
  runs: RunSummary[];
  /** Checkpoints the orchestration waits for when `awaiting_approval`. */
  checkpoints: Checkpoint[];
}

/** The agent that hands work out when no agent did: the orchestration itself. */
export const ORCHESTRATOR = "orchestrator";

const STRATEGIES = ["sequential", "parallel", "router"];

/** Checks a spec before anything starts; `CORTEX_INVALID_ORCHESTRATION` says what is wrong. */
export function checkSpec(spec: OrchestrationSpec, hasAgent: (id: string) => boolean): void {
  if (typeof spec !== "object" || spec === null || !STRATEGIES.includes(spec.strategy)) {
    throw new InvalidOrchestrationError(`strategy must be one of ${STRATEGIES.join(", ")}`);
  }
  if (!Array.isArray(spec.agents) || spec.agents.length === 0)
    throw new InvalidOrchestrationError("agents must be a non-empty list of agent ids");
  for (const id of spec.agents) if (!hasAgent(id)) throw new InvalidOrchestrationError(`agent "${id}" is not defined`);
  if (spec.strategy === "router") {
    const { route } = spec;
    if (typeof route !== "function" && !(typeof route === "object" && route !== null && hasAgent(route.agent))) {
      throw new InvalidOrchestrationError("router needs route: a function, or { agent } naming a defined router agent");
    }
  }
  if (
    spec.strategy === "parallel" &&
    spec.concurrency !== undefined &&
    (!Number.isInteger(spec.concurrency) || spec.concurrency < 1)
  ) {
    throw new InvalidOrchestrationError("concurrency must be a positive integer");
  }
}

/** What an orchestration keeps of a run: the agent that ended it (the last of a handoff chain) and how. */
export function summarize(result: RunResult): RunSummary {
  const agentId = result.handoffs?.at(-1)?.to ?? result.agentId;
  return {
    agentId,
    runId: result.runId,
    status: result.status,
    ...(result.output !== undefined ? { output: result.output } : {}),
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}
