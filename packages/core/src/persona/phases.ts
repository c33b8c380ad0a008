import { InvalidOptionsError } from "@cortex/primitives";
import { shown } from "../json.js";
import { compileToolFilter } from "../run/tool-names.js";

/** What moves a persona from one cognitive phase to another, besides a behavior's `switchPhase`. */
export type PhaseTransition =
  /** After this many completed steps in the phase. */
  | { after: number; to: string }
  /** After a tool call fails (optionally only a tool matching `tool`, a pattern like `calendar.*`). */
  | { on: "toolError"; to: string; tool?: string }
  /** After a tool call (optionally only one matching `tool`). */
  | { on: "toolCall"; to: string; tool?: string };

/** One phase: its own instructions and tools, and where it leads. */
export interface PhaseDefinition {
  name: string;
  /** Added to the system prompt while the phase is current. */
  instructions?: string;
  /** Tool patterns allowed in this phase, within the agent's own; omitted: all of the agent's tools. */
  tools?: string[];
  transitions?: PhaseTransition[];
}

/** A persona's phase machine. */
export interface CognitiveConfig {
  /** The phase a run starts in; default the first phase. */
  initial?: string;
  phases: PhaseDefinition[];
}

/** A phase with its tool filter and transitions compiled. */
export interface CompiledPhase {
  readonly name: string;
  readonly instructions: string | undefined;
  readonly allows: (plugin: string, action: string) => boolean;
  readonly after: { steps: number; to: string } | undefined;
  readonly onToolCall: { to: string; matches: (plugin: string, action: string) => boolean }[];
  readonly onToolError: { to: string; matches: (plugin: string, action: string) => boolean }[];
}

/** A validated phase machine. */
export interface CompiledPhases {
  readonly initial: string;
  readonly phases: ReadonlyMap<string, CompiledPhase>;
}

/**
 * Validates a persona's cognition once: names unique, transitions lead to
 * phases that exist. A malformed one is `CORTEX_INVALID_OPTIONS` naming
 * `path` (e.g. `personas[0].cognition`).
 */
export function compilePhases(persona: string, config: CognitiveConfig, path: string): CompiledPhases {
  const fail = (message: string): never => {
    throw new InvalidOptionsError(path, `Persona "${persona}": ${message}`);
  };
  if (typeof config !== "object" || config === null || !Array.isArray(config.phases) || config.phases.length === 0) {
    fail("cognition needs a non-empty list of phases");
  }
  const names = new Set<string>();
  for (const phase of config.phases) {
    if (typeof phase?.name !== "string" || phase.name === "") fail("every phase needs a name");
    if (names.has(phase.name)) fail(`phase "${phase.name}" is defined twice`);
    names.add(phase.name);
  }
  const phases = new Map<string, CompiledPhase>();
  for (const phase of config.phases) {
    let after: CompiledPhase["after"];
    const onToolCall: CompiledPhase["onToolCall"] = [];
    const onToolError: CompiledPhase["onToolError"] = [];
    for (const transition of phase.transitions ?? []) {
      if (!names.has(transition.to))
        fail(`phase "${phase.name}" has a transition to unknown phase ${shown(transition.to)}`);
      if ("after" in transition) {
        if (!Number.isInteger(transition.after) || transition.after < 1)
          fail(`phase "${phase.name}": "after" must be a positive integer`);
        after = { steps: transition.after, to: transition.to };
      } else if (transition.on === "toolCall" || transition.on === "toolError") {
        const matches = compileToolFilter(transition.tool === undefined ? undefined : [transition.tool]);
        (transition.on === "toolCall" ? onToolCall : onToolError).push({ to: transition.to, matches });
      } else {
        fail(`phase "${phase.name}" has a transition that is neither "after" nor on "toolCall"/"toolError"`);
      }
    }
    if (phase.tools !== undefined && !Array.isArray(phase.tools))
      fail(`phase "${phase.name}": tools must be a list of patterns`);
    phases.set(phase.name, {
      name: phase.name,
      instructions: phase.instructions,
      allows: compileToolFilter(phase.tools),
      after,
      onToolCall,
      onToolError,
    });
  }
  const initial = config.initial ?? config.phases[0]!.name;
  if (!phases.has(initial)) fail(`initial phase ${shown(initial)} is not one of its phases`);
  return { initial, phases };
}
