import { abortError, startTimer } from "./abort.js";
import { RunError } from "./errors.js";
import type { ModelClient, ModelRequest, ModelResponse } from "./model.js";
import type { PendingToolCall } from "./run-state.js";
import type { ToolEntry } from "./tools.js";

/**
 * Asks the model with a deadline. A model that ignores its signal still
 * cannot hold the run: the wait ends at the deadline or on abort, whichever
 * comes first.
 */
export async function callModel(
  model: ModelClient,
  request: Omit<ModelRequest, "signal">,
  runSignal: AbortSignal,
  timeoutMs: number,
): Promise<ModelResponse> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = startTimer(timeoutMs, () => {
      const error = new RunError("CORTEX_MODEL_TIMEOUT", `The model did not answer within ${timeoutMs} ms`);
      controller.abort(error);
      reject(error);
    });
    onAbort = () => {
      controller.abort(runSignal.reason);
      reject(abortError(runSignal));
    };
    if (runSignal.aborted) onAbort();
    else runSignal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const answer = Promise.resolve().then(() => model.generate({ ...request, signal: controller.signal }));
    return await Promise.race([answer, stopped]);
  } catch (error) {
    if (error instanceof RunError) throw error;
    throw new RunError(
      "CORTEX_MODEL_ERROR",
      `The model failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    clearTimeout(timer);
    if (onAbort) runSignal.removeEventListener("abort", onAbort);
    stopped.catch(() => undefined);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

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
