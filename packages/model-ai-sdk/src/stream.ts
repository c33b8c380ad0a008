import { ModelBadResponseError, ModelConnectionError, withDeadline, type ModelStreamPart } from "@cortex/primitives";
import { toModelError, type ErrorContext } from "./errors.js";
import { checkEnding, finishReasonOf, isRecord, toolCallOf, usageOf } from "./result.js";

interface ToolInput {
  name: string;
  input: string;
  ended: boolean;
}

function noop(): void {
  // A failed cancel of a stream that already ended or failed changes nothing.
}

/**
 * Reads a `doStream` result as Cortex stream parts: each text delta as it
 * comes, each client-side tool call once whole, and one `finish` last with
 * the usage and finish reason. A provider's `tool-call` part is the call;
 * a call the provider streamed as `tool-input-*` deltas but never closed
 * with a `tool-call` is assembled from its deltas at the end. An `error`
 * part, a dropped connection, a stream that ends before its `finish` part
 * (a connection closed early) or an abort ends the iteration with a coded
 * error; leaving the loop early cancels the provider's stream (and so its
 * HTTP request).
 */
export async function* readStream(
  stream: ReadableStream<unknown>,
  context: ErrorContext,
  onWarnings: (warnings: unknown) => void,
): AsyncGenerator<ModelStreamPart, void, undefined> {
  const reader = stream.getReader();
  const inputs = new Map<string, ToolInput>();
  const abortError = (reason: unknown) => toModelError(reason, context);
  let text = "";
  let toolCalls = 0;
  let finish: Record<string, unknown> | undefined;
  try {
    for (;;) {
      let chunk: { done: boolean; value?: unknown };
      try {
        // The race ends the wait on abort even when the provider's stream ignores its signal.
        chunk = await withDeadline(reader.read(), { signal: context.signal, abortError });
      } catch (error) {
        throw toModelError(error, context);
      }
      if (chunk.done) break;
      const part = chunk.value;
      if (!isRecord(part)) {
        throw new ModelBadResponseError(`The stream of ${context.where} has a part that is not an object`);
      }
      switch (part.type) {
        case "stream-start":
          onWarnings(part.warnings);
          break;
        case "text-delta":
          if (typeof part.delta === "string" && part.delta !== "") {
            text += part.delta;
            yield { type: "text-delta", text: part.delta };
          }
          break;
        case "tool-input-start":
          if (part.providerExecuted !== true && typeof part.id === "string" && typeof part.toolName === "string") {
            inputs.set(part.id, { name: part.toolName, input: "", ended: false });
          }
          break;
        case "tool-input-delta": {
          const input = typeof part.id === "string" ? inputs.get(part.id) : undefined;
          if (input !== undefined && typeof part.delta === "string") input.input += part.delta;
          break;
        }
        case "tool-input-end": {
          const input = typeof part.id === "string" ? inputs.get(part.id) : undefined;
          if (input !== undefined) input.ended = true;
          break;
        }
        case "tool-call": {
          if (typeof part.toolCallId === "string") inputs.delete(part.toolCallId);
          const call = toolCallOf(part, context);
          if (call !== undefined) {
            toolCalls++;
            yield { type: "tool-call", ...call };
          }
          break;
        }
        case "error":
          throw toModelError(part.error, context);
        case "finish":
          finish = part;
          break;
        default:
          // Reasoning, files, sources, results of provider-executed tools, metadata, raw chunks and parts of
          // later specifications carry nothing the engine's conversation can hold.
          break;
      }
    }
    if (finish === undefined) {
      throw new ModelConnectionError(`The stream of ${context.where} ended before the provider finished the answer`);
    }
    for (const [id, input] of inputs) {
      if (!input.ended) {
        throw new ModelBadResponseError(`The stream of ${context.where} ended inside the input of tool call "${id}"`);
      }
      toolCalls++;
      yield { type: "tool-call", id, name: input.name, arguments: input.input };
    }
    const finishReason = checkEnding(finishReasonOf(finish.finishReason), text, toolCalls, context);
    const usage = usageOf(finish.usage);
    yield {
      type: "finish",
      ...(usage !== undefined ? { usage } : {}),
      ...(finishReason !== undefined ? { finishReason } : {}),
    };
  } finally {
    reader.cancel().then(noop, noop);
  }
}
