import type { ResolvedAgent } from "../engine/agents.js";
import type { RunEvents } from "../run/run-events.js";
import { compileToolFilter } from "../run/tool-names.js";
import type { CompiledBehavior } from "./behaviors.js";
import type { ResolvedPersona } from "./persona.js";
import type { CompiledPhase } from "./phases.js";

/** The persona layer's part of a run's state (`RunState.mind`): plain JSON, saved with a paused run. */
export interface MindState {
  persona?: string;
  phase?: string;
  stepsInPhase: number;
  /** Prompt text injected by behaviors, in the order they fired (one entry per behavior). */
  injected: { behavior: string; text: string }[];
  /** Tool patterns a behavior made subject to approval. */
  approvalTools: string[];
  /** Behaviors that fired, for `once`. */
  fired: string[];
  inputChecked: boolean;
  /** Set when a `stop` behavior ended the run. */
  stopped?: { behavior: string; message: string };
}

/** A fresh mind state for a run of this persona. */
export function initialMind(persona: ResolvedPersona | undefined): MindState {
  return {
    ...(persona ? { persona: persona.name } : {}),
    ...(persona?.phases ? { phase: persona.phases.initial } : {}),
    stepsInPhase: 0,
    injected: [],
    approvalTools: [],
    fired: [],
    inputChecked: false,
  };
}

/** How a tool call ended, as behaviors and phase transitions see it. */
export interface ToolOutcome {
  plugin: string;
  action: string;
  ok: boolean;
  code?: string;
}

/**
 * Personas, behaviors and cognitive phases at work in one run: composes the
 * system prompt, filters the tools of the current phase, fires behaviors and
 * phase transitions, and emits `behaviorTriggered` / `cognitivePhaseChanged`.
 */
export class PersonaRuntime {
  #approval: (plugin: string, action: string) => boolean;

  constructor(
    private readonly persona: ResolvedPersona | undefined,
    private readonly agent: ResolvedAgent,
    private readonly state: MindState,
    private readonly runId: string,
    private readonly events: RunEvents,
  ) {
    this.#approval = compileToolFilter(state.approvalTools);
  }

  get stopped(): MindState["stopped"] {
    return this.state.stopped;
  }

  #phase(): CompiledPhase | undefined {
    return this.state.phase === undefined ? undefined : this.persona?.phases?.phases.get(this.state.phase);
  }

  /** The system prompt for the next model request. */
  systemPrompt(): string | undefined {
    const parts: string[] = [];
    if (this.persona?.prompt) parts.push(this.persona.prompt);
    if (this.agent.definition.instructions) parts.push(this.agent.definition.instructions);
    const phase = this.#phase();
    if (phase) parts.push(`Current phase: ${phase.name}.${phase.instructions ? ` ${phase.instructions}` : ""}`);
    for (const { text } of this.state.injected) parts.push(text);
    return parts.length > 0 ? parts.join("\n\n") : undefined;
  }

  /** Whether the current phase offers this tool. */
  toolAvailable(plugin: string, action: string): boolean {
    return this.#phase()?.allows(plugin, action) ?? true;
  }

  /** Whether a behavior made this tool subject to approval. */
  requiresApproval(plugin: string, action: string): boolean {
    return this.state.approvalTools.length > 0 && this.#approval(plugin, action);
  }

  /** Input behaviors, once per run. */
  onRunStart(input: string): void {
    if (this.state.inputChecked) return;
    this.state.inputChecked = true;
    this.#fire((b) => b.definition.trigger.on === "input" && b.matchesInput(input));
  }

  /** `always` and `step` behaviors, before the step's model request. */
  onStepStart(stepIndex: number): void {
    this.#fire((b) => {
      const trigger = b.definition.trigger;
      return trigger.on === "always" || (trigger.on === "step" && trigger.step === stepIndex);
    });
  }

  /** Counts the step in its phase and takes an `after` transition that is due. */
  onStepEnd(): void {
    this.state.stepsInPhase += 1;
    const after = this.#phase()?.after;
    if (after && this.state.stepsInPhase >= after.steps) this.switchPhase(after.to);
  }

  /** Phase transitions, then behaviors, after a tool call. */
  onToolOutcome(outcome: ToolOutcome): void {
    const phase = this.#phase();
    // A call the phase refused never ran: it must not move the run out of the phase that refused it.
    if (phase && outcome.code !== "CORTEX_TOOL_NOT_AVAILABLE") {
      const transition = [...phase.onToolCall, ...(outcome.ok ? [] : phase.onToolError)].find((t) =>
        t.matches(outcome.plugin, outcome.action),
      );
      if (transition) this.switchPhase(transition.to);
    }
    this.#fire((b) => {
      const trigger = b.definition.trigger;
      if (trigger.on === "toolResult") return outcome.ok && b.matchesTool(outcome.plugin, outcome.action);
      if (trigger.on === "toolError") {
        return (
          !outcome.ok &&
          b.matchesTool(outcome.plugin, outcome.action) &&
          (trigger.code === undefined || trigger.code === outcome.code)
        );
      }
      return false;
    });
  }

  /** Moves to another phase, firing `cognitivePhaseChanged`; nothing happens when it is the current one. */
  switchPhase(to: string): void {
    const from = this.state.phase;
    if (from === undefined || from === to || !this.persona?.phases?.phases.has(to)) return;
    this.state.phase = to;
    this.state.stepsInPhase = 0;
    this.events.emit("cognitivePhaseChanged", { runId: this.runId, from, to });
  }

  #fire(matches: (behavior: CompiledBehavior) => boolean): void {
    const behaviors = this.persona?.behaviors;
    if (behaviors === undefined) return;
    for (const behavior of behaviors) {
      if (this.state.stopped) return;
      if (behavior.definition.once && this.state.fired.includes(behavior.name)) continue;
      if (!matches(behavior)) continue;
      if (!this.state.fired.includes(behavior.name)) this.state.fired.push(behavior.name);
      this.events.emit("behaviorTriggered", { runId: this.runId, behaviorName: behavior.name });
      this.#apply(behavior);
    }
  }

  #apply(behavior: CompiledBehavior): void {
    const action = behavior.definition.action;
    switch (action.type) {
      case "injectPrompt":
        if (!this.state.injected.some((i) => i.behavior === behavior.name))
          this.state.injected.push({ behavior: behavior.name, text: action.text });
        break;
      case "switchPhase":
        this.switchPhase(action.phase);
        break;
      case "requireApproval":
        for (const pattern of action.tools)
          if (!this.state.approvalTools.includes(pattern)) this.state.approvalTools.push(pattern);
        this.#approval = compileToolFilter(this.state.approvalTools);
        break;
      case "stop":
        this.state.stopped = { behavior: behavior.name, message: action.message };
        break;
    }
  }
}
