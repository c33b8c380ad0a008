import { InvalidOptionsError } from "@cortex/primitives";
import { PersonaNotFoundError } from "../errors.js";
import { shown } from "../json.js";
import { compileBehaviors, type BehaviorDefinition, type CompiledBehavior } from "./behaviors.js";
import { compilePhases, type CognitiveConfig, type CompiledPhases } from "./phases.js";

/**
 * Who an agent is: identity, traits and style shape the system prompt; its
 * behaviors react to what happens in a run; its cognitive configuration is
 * the phase machine that decides which instructions and tools each step has.
 */
export interface PersonaDefinition {
  /** Unique name agents refer to with `persona`. */
  name: string;
  /** Who the agent is, first line of the system prompt, e.g. "You are Ada, a careful scheduler." */
  identity?: string;
  /** Standing instructions of the persona. */
  instructions?: string;
  /** Character traits, listed in the prompt. */
  traits?: string[];
  /** How the persona writes, e.g. "brief, friendly, no jargon". */
  communicationStyle?: string;
  behaviors?: BehaviorDefinition[];
  cognition?: CognitiveConfig;
}

/** A persona after validation, with behaviors sorted and phases indexed once. */
export interface ResolvedPersona {
  readonly definition: Readonly<PersonaDefinition>;
  readonly name: string;
  readonly behaviors: readonly CompiledBehavior[];
  readonly phases: CompiledPhases | undefined;
  /** The persona's part of the system prompt. */
  readonly prompt: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Validates a persona definition once, at registration. A malformed one is
 * `CORTEX_INVALID_OPTIONS` naming the field under `path` (e.g. `personas[0].traits`).
 */
export function resolvePersona(definition: PersonaDefinition, path: string): ResolvedPersona {
  const bad = (field: string, message: string): never => {
    throw new InvalidOptionsError(`${path}.${field}`, message);
  };
  if (typeof definition !== "object" || definition === null) {
    throw new InvalidOptionsError(path, `${path}: a persona must be an object`);
  }
  const { name, identity, instructions, traits, communicationStyle } = definition;
  if (typeof name !== "string" || !NAME.test(name)) {
    bad("name", `Persona name ${shown(name)} must be 1-128 letters, digits, "_", "." or "-"`);
  }
  for (const [field, value] of Object.entries({ identity, instructions, communicationStyle })) {
    if (value !== undefined && typeof value !== "string") bad(field, `Persona "${name}": ${field} must be a string`);
  }
  if (traits !== undefined && (!Array.isArray(traits) || traits.some((t) => typeof t !== "string"))) {
    bad("traits", `Persona "${name}": traits must be a list of strings`);
  }
  const phases =
    definition.cognition === undefined ? undefined : compilePhases(name, definition.cognition, `${path}.cognition`);
  const behaviors = compileBehaviors(name, definition.behaviors ?? [], phases, `${path}.behaviors`);
  const lines: string[] = [];
  if (identity) lines.push(identity);
  if (instructions) lines.push(instructions);
  if (traits && traits.length > 0) lines.push(`Traits: ${traits.join(", ")}.`);
  if (communicationStyle) lines.push(`Communication style: ${communicationStyle}.`);
  return { definition: { ...definition }, name, behaviors, phases, prompt: lines.join("\n") };
}

/** Personas by name. */
export class PersonaTable {
  readonly #personas = new Map<string, ResolvedPersona>();

  add(definition: PersonaDefinition, path: string): ResolvedPersona {
    const persona = resolvePersona(definition, path);
    if (this.#personas.has(persona.name)) {
      throw new InvalidOptionsError(`${path}.name`, `Persona "${persona.name}" is defined twice`);
    }
    this.#personas.set(persona.name, persona);
    return persona;
  }

  /** The persona, or a coded `CORTEX_PERSONA_NOT_FOUND` error naming the agent that asked. */
  resolve(name: string, agentId: string): ResolvedPersona {
    const persona = this.#personas.get(name);
    if (!persona) throw new PersonaNotFoundError(name, agentId);
    return persona;
  }

  get(name: string): ResolvedPersona | undefined {
    return this.#personas.get(name);
  }
}
