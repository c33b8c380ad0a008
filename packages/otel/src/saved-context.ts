import { isSpanContextValid, TraceFlags, type SpanContext } from "@opentelemetry/api";

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
}

/** The JSON kept for a span context. */
export function saveTrace(context: SpanContext, extra: Omit<SavedTrace, "v" | "traceId" | "spanId" | "traceFlags">) {
  return { v: 1, traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags, ...extra };
}

/** The saved trace read back, or undefined when it is not one this version wrote (or not a valid context). */
export function readTrace(value: unknown): { saved: SavedTrace; parent: SpanContext } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const saved = value as Partial<SavedTrace>;
  if (saved.v !== 1 || typeof saved.traceId !== "string" || typeof saved.spanId !== "string") return undefined;
  if (typeof saved.pausedAt !== "number") return undefined;
  const parent: SpanContext = {
    traceId: saved.traceId,
    spanId: saved.spanId,
    traceFlags: typeof saved.traceFlags === "number" ? saved.traceFlags : TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(parent) ? { saved: saved as SavedTrace, parent } : undefined;
}
