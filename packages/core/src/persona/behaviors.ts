import { InvalidOptionsError } from "@cortex/primitives";
import { shown } from "../json.js";
import { compileToolFilter } from "../run/tool-names.js";
import type { CompiledPhases } from "./phases.js";

/** When a behavior fires. */
export type BehaviorTrigger =
  /** At run start, when the input matches (a RegExp, or a string searched case-insensitively). */
  | { on: "input"; pattern: string | RegExp }
  /** After a tool call succeeds (optionally only a tool matching the pattern `tool`, e.g. `files.*`). */
  | { on: "toolResult"; tool?: string }
  /** After a tool call fails (optionally only a matching tool, or a given error code). */
  | { on: "toolError"; tool?: string; code?: string }
  /** At the start of step `step` (0-based). */
  | { on: "step"; step: number }
  /** At the start of every step. */
  | { on: "always" };

/** What a behavior does when it fires. */
export type BehaviorAction =
  /** Adds text to the system prompt for the rest of the run. */
  | { type: "injectPrompt"; text: string }
  /** Moves the run to another cognitive phase of the persona. */
  | { type: "switchPhase"; phase: string }
  /** From now on, calls to matching tools pause for approval even when they are AUTO. */
  | { type: "requireApproval"; tools: string[] }
  /** Ends the run at once; `message` becomes its output. */
  | { type: "stop"; message: string };

/** A named rule: trigger → action. Higher `priority` fires first (default 0). */
export interface BehaviorDefinition {
  name: string;
  trigger: BehaviorTrigger;
  action: BehaviorAction;
  priority?: number;
  /** Fire at most once per run. */
  once?: boolean;
}

/** A behavior with its patterns compiled. */
export interface CompiledBehavior {
  readonly definition: BehaviorDefinition;
  readonly name: string;
  readonly matchesInput: (input: string) => boolean;
  readonly matchesTool: (plugin: string, action: string) => boolean;
}

const TRIGGERS = new Set(["input", "toolResult", "toolError", "step", "always"]);
const ACTIONS = new Set(["injectPrompt", "switchPhase", "requireApproval", "stop"]);

/**
 * Validates behaviors once and sorts them by priority (stable for equal
 * priorities). A malformed one is `CORTEX_INVALID_OPTIONS` naming it under
 * `path` (e.g. `personas[0].behaviors[2]`).
 */
export function compileBehaviors(
  persona: string,
  behaviors: BehaviorDefinition[],
  phases: CompiledPhases | undefined,
  path: string,
): CompiledBehavior[] {
  let at = path;
  const fail = (message: string): never => {
    throw new InvalidOptionsError(at, `Persona "${persona}": ${message}`);
  };
  if (!Array.isArray(behaviors)) fail("behaviors must be a list");
  const names = new Set<string>();
  const compiled = behaviors.map((behavior, index): CompiledBehavior => {
    at = `${path}[${index}]`;
    const { name, trigger, action } = behavior ?? {};
    if (typeof name !== "string" || name === "") fail("every behavior needs a name");
    if (names.has(name)) fail(`behavior "${name}" is defined twice`);
    names.add(name);
    if (!TRIGGERS.has(trigger?.on)) fail(`behavior "${name}" has an unknown trigger ${shown(trigger?.on)}`);
    if (!ACTIONS.has(action?.type)) fail(`behavior "${name}" has an unknown action ${shown(action?.type)}`);
    if (action.type === "switchPhase" && !phases?.phases.has(action.phase)) {
      fail(`behavior "${name}" switches to phase ${shown(action.phase)}, which the persona does not have`);
    }
    if (trigger.on === "step" && (!Number.isInteger(trigger.step) || trigger.step < 0))
      fail(`behavior "${name}": step must be an integer ≥ 0`);
    let matchesInput: (input: string) => boolean = () => false;
    if (trigger.on === "input") {
      const { pattern } = trigger;
      if (pattern instanceof RegExp)
        matchesInput = (input) => new RegExp(pattern.source, pattern.flags.replace("g", "")).test(input);
      else if (typeof pattern === "string" && pattern !== "")
        matchesInput = (input) => input.toLowerCase().includes(pattern.toLowerCase());
      else fail(`behavior "${name}": an input trigger needs a pattern`);
    }
    const tool = trigger.on === "toolResult" || trigger.on === "toolError" ? trigger.tool : undefined;
    return {
      definition: behavior,
      name,
      matchesInput,
      matchesTool: compileToolFilter(tool === undefined ? undefined : [tool]),
    };
  });
  return compiled
    .map((behavior, index) => ({ behavior, index }))
    .sort((a, b) => (b.behavior.definition.priority ?? 0) - (a.behavior.definition.priority ?? 0) || a.index - b.index)
    .map(({ behavior }) => behavior);
}
