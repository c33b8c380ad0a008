import { isSpanContextValid, TraceFlags, type SpanContext } from "@opentelemetry/api";
import type { SavedOrchestration } from "./orchestration-spans.js";

/** What the extension keeps with a paused run (as JSON, in the run store): where its trace goes on. */
export interface SavedTrace {
  readonly v: 1;
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
  /** Epoch ms when the run paused: the start of the wait span. */
  readonly pausedAt: number;
  /** The paused call. */
  readonly toolName?: string;
  readonly toolCallId?: string;
  /** The orchestration the run belongs to, and its span. */
  readonly orchestration?: SavedOrchestration;
}

/** The JSON kept for a span context. */
export function saveTrace(context: SpanContext, extra: Omit<SavedTrace, "v" | "traceId" | "spanId" | "traceFlags">) {
  return { v: 1, traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags, ...extra };
}

/** What `readTrace` gives back: the saved trace, the paused run's span context, and its orchestration's when valid. */
export interface ReadTrace {
  readonly saved: SavedTrace;
  readonly parent: SpanContext;
  readonly orchestration?: { readonly saved: SavedOrchestration; readonly context: SpanContext };
}

/** The saved trace read back, or undefined when it is not one this version wrote (or not a valid context). */
export function readTrace(value: unknown): ReadTrace | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const saved = value as Partial<SavedTrace>;
  if (saved.v !== 1 || typeof saved.pausedAt !== "number") return undefined;
  const parent = remoteContext(saved);
  if (parent === undefined) return undefined;
  const orchestration = saved.orchestration as Partial<SavedOrchestration> | undefined;
  const context = remoteContext(orchestration);
  const valid =
    context !== undefined && typeof orchestration?.id === "string" && typeof orchestration.strategy === "string";
  return valid
    ? { saved: saved as SavedTrace, parent, orchestration: { saved: orchestration as SavedOrchestration, context } }
    : { saved: saved as SavedTrace, parent };
}

/** A span context from its saved ids, as one propagated from another process; undefined unless valid. */
function remoteContext(
  saved: { traceId?: unknown; spanId?: unknown; traceFlags?: unknown } | undefined,
): SpanContext | undefined {
  if (typeof saved?.traceId !== "string" || typeof saved.spanId !== "string") return undefined;
  const context: SpanContext = {
    traceId: saved.traceId,
    spanId: saved.spanId,
    traceFlags: typeof saved.traceFlags === "number" ? saved.traceFlags : TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(context) ? context : undefined;
}
