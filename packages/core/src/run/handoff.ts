import type { ErrorInfo } from "@cortex/primitives";
import type { ToolEntry } from "./tool-set.js";

/** The built-in tool an agent with `handoffs` is offered to pass its work to another agent. */
export const HANDOFF_TOOL = "cortex__handoff";

/** The handoff tool for an agent allowed to hand off to `targets`. */
export function handoffTool(targets: readonly string[]): ToolEntry {
  return {
    plugin: "cortex",
    action: "handoff",
    tier: "AUTO",
    builtin: "handoff",
    definition: {
      name: HANDOFF_TOOL,
      description:
        "Hand the conversation to another agent better suited to it. Your run ends; the other agent continues with your message as its input.",
      parameters: {
        type: "object",
        properties: {
          agent: { type: "string", enum: [...targets], description: "The agent to hand off to" },
          message: { type: "string", minLength: 1, description: "What the next agent needs to know to continue" },
        },
        required: ["agent", "message"],
        additionalProperties: false,
      },
    },
  };
}

/**
 * Reads a handoff call's arguments. An agent not in `targets`, a missing
 * message, a chain that already made `maxHandoffs` handoffs, or a target
 * that cannot start (`startable` says why: an unknown agent, a persona that
 * is not registered) is an error the model sees.
 */
export function readHandoff(
  args: Record<string, unknown>,
  targets: readonly string[],
  depth: number,
  maxHandoffs: number,
  startable: (agentId: string) => ErrorInfo | undefined,
): { to: string; message: string } | { error: ErrorInfo } {
  const { agent, message } = args;
  const issues: { path: string; message: string }[] = [];
  if (typeof agent !== "string" || !targets.includes(agent))
    issues.push({ path: "/agent", message: `must be one of ${targets.join(", ")}` });
  if (typeof message !== "string" || message === "")
    issues.push({ path: "/message", message: "must be a non-empty string" });
  if (issues.length > 0) {
    return { error: { code: "CORTEX_VALIDATION_FAILED", message: "Invalid handoff", issues } };
  }
  if (depth >= maxHandoffs) {
    return {
      error: {
        code: "CORTEX_HANDOFF_LIMIT",
        message: `This conversation was already handed off ${maxHandoffs} times; answer it yourself`,
      },
    };
  }
  const cannotStart = startable(agent as string);
  if (cannotStart) return { error: cannotStart };
  return { to: agent as string, message: message as string };
}
