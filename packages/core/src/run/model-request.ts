import {
  DeadlineSeries,
  FINISH_REASONS,
  type FinishReason,
  type ModelClient,
  type ModelRequest,
  type ModelResponse,
  type ModelStreamPart,
  type ModelToolCall,
  type ModelUsage,
} from "@cortex/primitives";
import { abortError, RunError } from "../errors.js";

function modelFailed(error: unknown): RunError {
  const why = error instanceof Error ? error.message : String(error);
  return new RunError("CORTEX_MODEL_ERROR", `The model failed: ${why}`, { cause: error });
}

/**
 * The deadline of every model call of a run, made once per run: the run's
 * signal and the model timeout, with one timer and one abort listener for
 * the run's calls, which come one at a time. The run closes it when it stops.
 */
export function modelDeadline(signal: AbortSignal, timeoutMs: number): DeadlineSeries {
  return new DeadlineSeries({
    timeoutMs,
    signal,
    timeoutError: (ms) => new RunError("CORTEX_MODEL_TIMEOUT", `The model did not answer within ${ms} ms`),
    abortError: () => abortError(signal),
  });
}

/** Where a streamed step's text goes as it arrives. */
export type DeltaSink = (text: string) => void;

/**
 * Asks the model, with one deadline. The model gets the run's own signal
 * rather than a fresh one per call: when the deadline passes, `abortRun`
 * aborts the whole run with the timeout (which fails the run anyway). A
 * model that ignores its signal still cannot hold the run: the wait ends at
 * the deadline or on abort, whichever comes first.
 *
 * With `onDelta` (a streamed run), `model.stream` is used when the model
 * has it, each text delta handed on as it arrives and the parts assembled
 * into one response; a model without it answers through `generate`, and
 * its whole text is one delta. Without `onDelta`, `generate` is used.
 */
export async function callModel(
  model: ModelClient,
  request: ModelRequest,
  deadline: DeadlineSeries,
  abortRun: (reason: RunError) => void,
  onDelta?: DeltaSink,
): Promise<ModelResponse> {
  let answer: PromiseLike<ModelResponse>;
  let finished = false;
  const streamed = onDelta !== undefined && typeof model.stream === "function";
  try {
    if (streamed) {
      // Deltas that arrive after the deadline or an abort belong to a call that has already failed.
      const live: DeltaSink = (text) => {
        if (!finished) onDelta(text);
      };
      answer = assemble(model.stream!(request), live);
    } else {
      answer = model.generate(request);
    }
  } catch (error) {
    throw modelFailed(error);
  }
  try {
    const response = await deadline.race(answer);
    // A streamed run over a model without `stream` gets the whole answer as one delta, once the call has won its race.
    if (onDelta !== undefined && !streamed) announce(response, onDelta);
    return response;
  } catch (error) {
    if (!(error instanceof RunError)) throw modelFailed(error);
    if (error.code === "CORTEX_MODEL_TIMEOUT") abortRun(error);
    throw error;
  } finally {
    finished = true;
  }
}

/** Hands a whole answer's text on as one delta. */
function announce(response: ModelResponse, onDelta: DeltaSink): void {
  const content = (response as Partial<ModelResponse> | null)?.content;
  if (typeof content === "string" && content !== "") onDelta(content);
}

/** Reads a streamed answer to its end: text deltas are handed on and joined, tool calls kept, `finish` read. */
async function assemble(parts: AsyncIterable<ModelStreamPart>, onDelta: DeltaSink): Promise<ModelResponse> {
  let content: string | undefined;
  const toolCalls: ModelToolCall[] = [];
  let usage: ModelUsage | undefined;
  let finishReason: FinishReason | undefined;
  for await (const part of parts) {
    if (typeof part !== "object" || part === null) throw new Error("the stream yielded a part that is not an object");
    switch (part.type) {
      case "text-delta":
        if (typeof part.text !== "string") throw new Error("the stream yielded a text delta without text");
        if (part.text === "") break;
        content = content === undefined ? part.text : content + part.text;
        onDelta(part.text);
        break;
      case "tool-call":
        toolCalls.push({
          ...(part.id === undefined ? {} : { id: part.id }),
          name: part.name,
          arguments: part.arguments,
        });
        break;
      case "finish":
        usage = part.usage;
        finishReason = part.finishReason;
        break;
      default:
      // A part of a newer contract: nothing in it is needed to go on.
    }
  }
  const response: ModelResponse = {};
  if (content !== undefined) response.content = content;
  if (toolCalls.length > 0) response.toolCalls = toolCalls;
  if (usage !== undefined) response.usage = usage;
  if (finishReason !== undefined) response.finishReason = finishReason;
  return response;
}

/** The usage a response reports, when it is two token counts (anything else is ignored, not trusted). */
export function usageOf(response: ModelResponse): ModelUsage | undefined {
  const usage = (response as { usage?: unknown }).usage;
  if (typeof usage !== "object" || usage === null) return undefined;
  const { inputTokens, outputTokens } = usage as Partial<ModelUsage>;
  const count = (n: unknown): number => (typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : 0);
  if (typeof inputTokens !== "number" && typeof outputTokens !== "number") return undefined;
  return { inputTokens: count(inputTokens), outputTokens: count(outputTokens) };
}

/** The finish reason a response gives, when it is one of the common vocabulary. */
export function finishReasonOf(response: ModelResponse): FinishReason | undefined {
  const reason = (response as { finishReason?: unknown }).finishReason;
  return (FINISH_REASONS as readonly unknown[]).includes(reason) ? (reason as FinishReason) : undefined;
}
