import {
  ModelBadResponseError,
  ModelConnectionError,
  ModelRefusedError,
  type FinishReason,
  type ModelStreamPart,
  type ModelUsage,
} from "@cortex/primitives";
import { finishReasonOf, usageOf } from "./mapping.js";

/** One tool call as its pieces arrive: the first chunk names it, later ones append to its arguments. */
interface ToolCallPieces {
  id?: string;
  name: string;
  arguments: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads the chunks of a streamed chat completion (`stream: true`,
 * `stream_options.include_usage`) into stream parts: text as it arrives,
 * each tool call whole once the answer is complete (its id and name come in
 * its first delta, its arguments in pieces across later ones, matched by
 * `index`), then one `finish` with the usage of the last chunk. A stream
 * that ends before any choice finished was cut off: `ModelConnectionError`.
 */
export async function* streamParts(chunks: AsyncIterable<unknown>, model: string): AsyncGenerator<ModelStreamPart> {
  const where = `model "${model}"`;
  const calls = new Map<number, ToolCallPieces>();
  let finish: string | undefined;
  let usage: ModelUsage | undefined;
  let refusal = "";
  for await (const chunk of chunks) {
    if (!isRecord(chunk)) throw new ModelBadResponseError(`The stream of ${where} sent a chunk that is not an object`);
    usage = usageOf(chunk.usage) ?? usage;
    const choice: unknown = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isRecord(choice)) continue; // the usage chunk has no choices
    const delta = isRecord(choice.delta) ? choice.delta : {};
    if (typeof delta.content === "string" && delta.content !== "") yield { type: "text-delta", text: delta.content };
    if (typeof delta.refusal === "string") refusal += delta.refusal;
    if (Array.isArray(delta.tool_calls)) for (const piece of delta.tool_calls) addPiece(calls, piece, where);
    if (typeof choice.finish_reason === "string") finish = choice.finish_reason;
  }
  if (refusal !== "") throw new ModelRefusedError(`${capitalized(where)} refused to answer: ${refusal}`, refusal);
  if (finish === "content_filter")
    throw new ModelRefusedError(`The provider's content filter stopped the answer of ${where}`);
  if (finish === undefined) {
    throw new ModelConnectionError(`The stream of ${where} ended before the answer was finished`);
  }
  for (const index of [...calls.keys()].sort((a, b) => a - b)) {
    const call = calls.get(index)!;
    if (call.name === "") {
      throw new ModelBadResponseError(`The stream of ${where} has tool call #${index} without a function name`);
    }
    // Kept as sent (a JSON string); core parses it and tells the model when it is not JSON.
    yield { type: "tool-call", ...(call.id ? { id: call.id } : {}), name: call.name, arguments: call.arguments };
  }
  const reason: FinishReason | undefined = finishReasonOf(finish);
  yield { type: "finish", ...(usage ? { usage } : {}), ...(reason ? { finishReason: reason } : {}) };
}

/** Adds one streamed tool-call delta to the call at its index. */
function addPiece(calls: Map<number, ToolCallPieces>, piece: unknown, where: string): void {
  if (!isRecord(piece))
    throw new ModelBadResponseError(`The stream of ${where} sent a tool-call delta that is not an object`);
  const index = typeof piece.index === "number" ? piece.index : calls.size === 0 ? 0 : Math.max(...calls.keys());
  const call = calls.get(index) ?? { name: "", arguments: "" };
  calls.set(index, call);
  if (typeof piece.id === "string" && piece.id !== "") call.id = piece.id;
  const fn = isRecord(piece.function) ? piece.function : {};
  if (typeof fn.name === "string") call.name += fn.name;
  if (typeof fn.arguments === "string") call.arguments += fn.arguments;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
