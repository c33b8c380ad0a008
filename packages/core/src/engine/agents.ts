import { InvalidOptionsError } from "@cortex/primitives";
import { DuplicateAgentError } from "../errors.js";
import { shown } from "../json.js";
import type { RunBudget } from "../run/run-state.js";
import { compileToolFilter } from "../run/tool-names.js";
import { readBudget } from "./options.js";

/** How an agent is defined: who it is, which tools it may use, how long it may run. */
export interface AgentDefinition {
  /** Unique id; `engine.run(id, input)` runs this agent. */
  id: string;
  /** The agent's own instructions, placed in the system prompt. */
  instructions?: string;
  /** The name of a registered persona that shapes the prompt (see the personas guide). */
  persona?: string;
  /**
   * Allowed tools: `plugin.action`, `plugin` or `plugin__action`, with `*`
   * as a wildcard. Omitted: every installed tool. Empty: none.
   */
  tools?: string[];
  /** The most model turns a run may take; default 10. */
  maxSteps?: number;
  /** Agents this one may hand its work to through the built-in `cortex__handoff` tool. */
  handoffs?: string[];
  /** Default limits of this agent's runs; a run's own `budget` overrides them field by field. */
  budget?: RunBudget;
}

/** An agent after validation, with its tool filter compiled once. */
export interface ResolvedAgent {
  readonly definition: Readonly<AgentDefinition>;
  readonly id: string;
  readonly maxSteps: number;
  readonly allows: (plugin: string, action: string) => boolean;
  readonly budget: RunBudget | undefined;
}

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Validates an agent definition at the boundary, once. A malformed one is
 * `CORTEX_INVALID_OPTIONS` naming the field under `path` (e.g. `agents[1].maxSteps`).
 */
export function resolveAgent(definition: AgentDefinition, defaultMaxSteps: number, path: string): ResolvedAgent {
  const bad = (field: string, message: string): never => {
    throw new InvalidOptionsError(field === "" ? path : `${path}.${field}`, message);
  };
  if (typeof definition !== "object" || definition === null) bad("", `${path}: an agent must be an object`);
  const { id, maxSteps = defaultMaxSteps, tools, instructions, persona, handoffs } = definition;
  if (typeof id !== "string" || !AGENT_ID.test(id)) {
    bad("id", `Agent id ${shown(id)} must be 1-128 letters, digits, "_", "." or "-"`);
  }
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    bad("maxSteps", `Agent "${id}": maxSteps must be a positive integer, got ${String(maxSteps)}`);
  }
  if (tools !== undefined && (!Array.isArray(tools) || tools.some((t) => typeof t !== "string" || t === ""))) {
    bad("tools", `Agent "${id}": tools must be a list of non-empty patterns`);
  }
  if (
    handoffs !== undefined &&
    (!Array.isArray(handoffs) || handoffs.some((h) => typeof h !== "string" || h === "" || h === id))
  ) {
    bad("handoffs", `Agent "${id}": handoffs must be a list of other agents' ids`);
  }
  if (instructions !== undefined && typeof instructions !== "string") {
    bad("instructions", `Agent "${id}": instructions must be a string`);
  }
  if (persona !== undefined && (typeof persona !== "string" || persona === "")) {
    bad("persona", `Agent "${id}": persona must be a persona name`);
  }
  const budget = readBudget(`Agent "${id}"`, `${path}.budget`, definition.budget);
  return { definition: { ...definition }, id, maxSteps, allows: compileToolFilter(tools), budget };
}

/** Agents by id; a second definition with one id is an error. */
export class AgentTable {
  readonly #agents = new Map<string, ResolvedAgent>();

  constructor(readonly defaultMaxSteps: number) {}

  add(definition: AgentDefinition, path: string): ResolvedAgent {
    const agent = resolveAgent(definition, this.defaultMaxSteps, path);
    if (this.#agents.has(agent.id)) throw new DuplicateAgentError(agent.id);
    this.#agents.set(agent.id, agent);
    return agent;
  }

  get(id: string): ResolvedAgent | undefined {
    return this.#agents.get(id);
  }
}
