import { isPlainObject, type ModelResponse } from "@cortex/primitives";
import { RunError } from "../errors.js";
import { toJson } from "../json.js";
import type { PendingToolCall } from "./run-state.js";
import type { ToolEntry } from "./tool-set.js";

/**
 * A tool call's arguments as a plain JSON object. A JSON string is parsed;
 * an object is passed through JSON once, so what runs, what is approved and
 * what a paused run stores are the same plain data (a BigInt, a cycle or a
 * throwing `toJSON` is refused here, never later).
 */
function parseArguments(name: string, raw: unknown): Record<string, unknown> {
  let value: unknown = raw ?? {};
  if (typeof value === "string") {
    try {
      value = value.trim() === "" ? {} : (JSON.parse(value) as unknown);
    } catch (error) {
      throw new RunError("CORTEX_INVALID_TOOL_CALL", `The model called "${name}" with arguments that are not JSON`, {
        cause: error,
      });
    }
  } else if (isPlainObject(value)) {
    const text = toJson(value);
    if (text === undefined) {
      throw new RunError("CORTEX_INVALID_TOOL_CALL", `The model called "${name}" with arguments JSON cannot hold`);
    }
    value = JSON.parse(text) as unknown;
  }
  if (!isPlainObject(value)) {
    throw new RunError(
      "CORTEX_INVALID_TOOL_CALL",
      `The model called "${name}" with arguments that are not a JSON object`,
    );
  }
  return value;
}

/**
 * Checks a model response and turns its tool calls into pending calls. A
 * response that is not an object, a call without a name, a tool the agent
 * was not offered, or arguments that are not a JSON object fail the run.
 */
export function readResponse(
  response: unknown,
  tools: ReadonlyMap<string, ToolEntry>,
  nextId: () => string,
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
    const { id, name, arguments: raw } = call as { id?: unknown; name: string; arguments?: unknown };
    if (!tools.has(name)) {
      throw new RunError("CORTEX_UNKNOWN_TOOL", `The model called "${name}", which is not one of the agent's tools`);
    }
    return { id: typeof id === "string" && id !== "" ? id : nextId(), name, args: parseArguments(name, raw) };
  });
  return { content, calls };
}
