import { MAX_TIMER_MS, startTimer } from "@cortex/primitives";
import { OpenAI, type APIError } from "openai";
import { redact } from "./redact.js";

/**
 * The raw JSON body of each HTTP error the client throws. `openai` keeps only
 * `body.error`, but OpenAI-compatible servers often answer `{ message }`
 * (vLLM) or `{ detail }` (FastAPI). Held beside the error, not on it, so the
 * body (which may echo the key) is not reachable from the error.
 */
const errorBodies = new WeakMap<object, unknown>();

/**
 * The `openai` client, remembering each HTTP error's raw body for
 * {@link providerMessage}, and honouring a per-attempt limit past 2^31-1 ms
 * (its own `setTimeout` would fire such a timer after 1 ms).
 */
export class CortexOpenAI extends OpenAI {
  protected override makeStatusError(
    status: number,
    error: object,
    message: string | undefined,
    headers: Headers,
  ): APIError {
    const made = super.makeStatusError(status, error, message, headers);
    if (error !== undefined && error !== null) errorBodies.set(made, error);
    return made;
  }

  /** The client's one fetch of one attempt, under its time limit (a limit past 2^31-1 ms as well). */
  override fetchWithTimeout(
    url: Parameters<OpenAI["fetchWithTimeout"]>[0],
    init: RequestInit | undefined,
    ms: number,
    controller: AbortController,
  ): Promise<Response> {
    if (ms <= MAX_TIMER_MS) return super.fetchWithTimeout(url, init, ms, controller);
    // The client's own timer, capped, is ignored: only the caller's signal or
    // a timer of ours that re-arms until the whole limit has passed abort.
    const callerSignal = init?.signal;
    const gated = {
      signal: controller.signal,
      abort: () => {
        if (callerSignal?.aborted === true) controller.abort();
      },
    } as AbortController;
    const stop = startTimer(ms, () => controller.abort());
    return super.fetchWithTimeout(url, init, MAX_TIMER_MS, gated).finally(stop);
  }
}

/**
 * How long the server asked to wait before trying again: `retry-after-ms`
 * (milliseconds), else `retry-after` (seconds, or an HTTP date). Undefined
 * when it did not say, or said something unreadable.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get("retry-after-ms")?.trim();
  if (ms !== undefined && ms !== "" && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const after = headers?.get("retry-after")?.trim();
  if (after === undefined || after === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(after)) return Number(after) * 1000;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The server's own message for an HTTP error, with the key redacted, at most 500 characters. */
export function providerMessage(error: APIError, secret: string | undefined): string {
  // OpenAI nests `{ error: { message } }`; some compatible servers send `{ error: "text" }`.
  const body: unknown = error.error;
  const nested = typeof body === "object" && body !== null ? (body as { message?: unknown }).message : body;
  const text =
    typeof nested === "string" && nested !== "" ? nested : (rawBodyMessage(errorBodies.get(error)) ?? error.message);
  return redact(text, secret).slice(0, 500);
}

/** The message of a raw error body the client drops: top-level `message` (vLLM), or `detail` (FastAPI; JSON when not a string). */
function rawBodyMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { message, detail } = body as { message?: unknown; detail?: unknown };
  if (typeof message === "string" && message !== "") return message;
  if (typeof detail === "string" && detail !== "") return detail;
  if (detail !== undefined && detail !== null) {
    try {
      return JSON.stringify(detail);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
