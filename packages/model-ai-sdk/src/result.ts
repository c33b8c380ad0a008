import {
  FINISH_REASONS,
  ModelBadResponseError,
  ModelConnectionError,
  ModelRefusedError,
  type FinishReason,
  type ModelResponse,
  type ModelToolCall,
  type ModelUsage,
} from "@cortex/primitives";
import type { ErrorContext } from "./errors.js";
import { redact } from "./redact.js";

/** True for an object that is not an array: how the provider's results and parts are read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The specification's finish reason as Cortex's. v3 and v4 share the
 * vocabulary of `FINISH_REASONS`; v4 adds `interrupted` (the stream ended
 * without the provider's end signal), kept apart here because it is a
 * failure, not an answer. Anything else is `other`.
 */
export function finishReasonOf(value: unknown): FinishReason | "interrupted" | undefined {
  const unified = isRecord(value) ? value.unified : value;
  if (typeof unified !== "string") return undefined;
  if (unified === "interrupted") return unified;
  return (FINISH_REASONS as readonly string[]).includes(unified) ? (unified as FinishReason) : "other";
}

function tokens(value: unknown): number | undefined {
  const total = isRecord(value) ? value.total : value;
  return typeof total === "number" && Number.isFinite(total) && total >= 0 ? total : undefined;
}

/** The usage totals, when the provider reported at least one; a missing one counts 0. */
export function usageOf(value: unknown): ModelUsage | undefined {
  if (!isRecord(value)) return undefined;
  const input = tokens(value.inputTokens);
  const output = tokens(value.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  return { inputTokens: input ?? 0, outputTokens: output ?? 0 };
}

/**
 * A client-side tool call from a `tool-call` content or stream part, or
 * undefined for one the provider executed itself. `arguments` is the JSON
 * text the model produced, untouched, so the engine reports bad JSON with
 * the tool's name.
 */
export function toolCallOf(part: Record<string, unknown>, context: ErrorContext): ModelToolCall | undefined {
  if (part.providerExecuted === true) return undefined;
  const { toolCallId, toolName, input } = part;
  if (typeof toolName !== "string" || toolName === "") {
    throw new ModelBadResponseError(`The provider's answer for ${context.where} has a tool call without a tool name`);
  }
  const call: ModelToolCall = { name: toolName, arguments: input ?? "" };
  if (typeof toolCallId === "string" && toolCallId !== "") call.id = toolCallId;
  return call;
}

/**
 * Throws for an ending that is not an answer: an interrupted stream is a
 * dropped connection; a content-filter stop with no tool call to run is a
 * refusal, its text (if any) kept as `refusal`.
 */
export function checkEnding(
  reason: FinishReason | "interrupted" | undefined,
  text: string,
  toolCalls: number,
  context: ErrorContext,
): FinishReason | undefined {
  if (reason === "interrupted") {
    throw new ModelConnectionError(`The answer of ${context.where} was cut off before the provider finished it`);
  }
  if (reason === "content-filter" && toolCalls === 0) {
    const refusal = text === "" ? undefined : redact(text, context.secrets);
    const said = refusal === undefined ? "" : `: ${refusal.slice(0, 500)}`;
    throw new ModelRefusedError(`The provider's content filter stopped the answer of ${context.where}${said}`, refusal);
  }
  return reason;
}

/**
 * Reads a `doGenerate` result: text parts joined in order, client-side tool
 * calls, usage and the finish reason. Reasoning, files, sources, results of
 * provider-executed tools and parts this adapter does not know are left out.
 */
export function readGenerateResult(result: unknown, context: ErrorContext): ModelResponse {
  if (!isRecord(result) || !Array.isArray(result.content)) {
    throw new ModelBadResponseError(`The provider's answer for ${context.where} has no content list`);
  }
  let text = "";
  const toolCalls: ModelToolCall[] = [];
  for (const part of result.content as unknown[]) {
    if (!isRecord(part)) {
      throw new ModelBadResponseError(
        `The provider's answer for ${context.where} has a content part that is not an object`,
      );
    }
    if (part.type === "text" && typeof part.text === "string") text += part.text;
    else if (part.type === "tool-call") {
      const call = toolCallOf(part, context);
      if (call !== undefined) toolCalls.push(call);
    }
  }
  const finishReason = checkEnding(finishReasonOf(result.finishReason), text, toolCalls.length, context);
  const response: ModelResponse = {};
  if (text !== "" || toolCalls.length === 0) response.content = text;
  if (toolCalls.length > 0) response.toolCalls = toolCalls;
  const usage = usageOf(result.usage);
  if (usage !== undefined) response.usage = usage;
  if (finishReason !== undefined) response.finishReason = finishReason;
  return response;
}
