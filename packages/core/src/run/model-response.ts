import { isPlainObject, type ModelResponse } from "@cortex/primitives";
import { RunError } from "../errors.js";
import { toJson } from "../json.js";
import type { PendingToolCall } from "./run-state.js";
import type { ToolEntry } from "./tool-set.js";

/**
 * A tool call's arguments as a plain JSON object, or why they are not one.
 * A JSON string is parsed; an object is passed through JSON once, so what
 * runs, what is approved and what a paused run stores are the same plain
 * data (a BigInt, a cycle or a throwing `toJSON` is refused here, never later).
 */
function parseArguments(name: string, raw: unknown): { args: Record<string, unknown> } | { problem: string } {
  let value: unknown = raw ?? {};
  if (typeof value === "string") {
    try {
      value = value.trim() === "" ? {} : (JSON.parse(value) as unknown);
    } catch {
      return { problem: `The arguments of your call to "${name}" are not JSON` };
    }
  } else if (isPlainObject(value)) {
    const text = toJson(value);
    if (text === undefined) return { problem: `The arguments of your call to "${name}" cannot be held by JSON` };
    value = JSON.parse(text) as unknown;
  }
  if (!isPlainObject(value)) return { problem: `The arguments of your call to "${name}" are not a JSON object` };
  return { args: value };
}

/** A call the model got wrong: it goes back to it as a tool error, and counts against `maxToolRepairs`. */
function invalidCall(id: string, name: string, raw: unknown, code: string, message: string): PendingToolCall {
  return { id, name, args: {}, raw: raw ?? null, invalid: { code, message } };
}

/**
 * Checks a model response and turns its tool calls into pending calls. A
 * response that is not an object, content that is not a string, toolCalls
 * that is not an array, or a call without a name fail the run. A call to a
 * tool the agent was not offered, or with arguments that are not a JSON
 * object, is kept as an invalid call: the model is told what is wrong and
 * which tools exist (`offered`), and may try again.
 */
export function readResponse(
  response: unknown,
  tools: ReadonlyMap<string, ToolEntry>,
  nextId: () => string,
  offered: () => readonly string[],
): { content: string | undefined; calls: PendingToolCall[] } {
  if (typeof response !== "object" || response === null) {
    throw new RunError("CORTEX_MODEL_ERROR", "The model returned something that is not a response object");
  }
  const { content, toolCalls } = response as ModelResponse;
  if (content !== undefined && typeof content !== "string") {
    throw new RunError("CORTEX_MODEL_ERROR", "The model returned content that is not a string");
  }
  if (toolCalls === undefined || (Array.isArray(toolCalls) && toolCalls.length === 0)) return { content, calls: [] };
  if (!Array.isArray(toolCalls))
    throw new RunError("CORTEX_INVALID_TOOL_CALL", "The model returned toolCalls that is not an array");
  const calls = toolCalls.map((call: unknown): PendingToolCall => {
    if (typeof call !== "object" || call === null || typeof (call as { name?: unknown }).name !== "string") {
      throw new RunError("CORTEX_INVALID_TOOL_CALL", "The model returned a tool call without a name");
    }
    const { id: given, name, arguments: raw } = call as { id?: unknown; name: string; arguments?: unknown };
    const id = typeof given === "string" && given !== "" ? given : nextId();
    if (!tools.has(name)) {
      const names = offered();
      const listed = names.length === 0 ? "none: answer without tools" : names.join(", ");
      return invalidCall(
        id,
        name,
        raw,
        "CORTEX_UNKNOWN_TOOL",
        `There is no tool "${name}". The tools you can call: ${listed}`,
      );
    }
    const parsed = parseArguments(name, raw);
    if ("problem" in parsed) {
      return invalidCall(id, name, raw, "CORTEX_INVALID_TOOL_CALL", `${parsed.problem}; send one JSON object`);
    }
    return { id, name, args: parsed.args };
  });
  return { content, calls };
}
