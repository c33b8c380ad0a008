import type { Attributes, Counter, Histogram, MeterProvider } from "@opentelemetry/api";
import { BUCKETS, METRIC } from "./attributes.js";

/** The metric instruments, made once per extension. */
export interface Instruments {
  readonly tokens: Histogram;
  readonly duration: Histogram;
  readonly toolCalls: Counter;
  readonly approvals: Counter;
  readonly denials: Counter;
}

/** Creates the GenAI client histograms and Cortex's counters on the provider's meter. */
export function createInstruments(provider: MeterProvider): Instruments {
  const meter = provider.getMeter("@cortex/otel");
  return {
    tokens: meter.createHistogram(METRIC.tokenUsage, {
      description: "Number of input and output tokens used",
      unit: "{token}",
      advice: { explicitBucketBoundaries: [...BUCKETS.tokens] },
    }),
    duration: meter.createHistogram(METRIC.duration, {
      description: "GenAI operation duration",
      unit: "s",
      advice: { explicitBucketBoundaries: [...BUCKETS.seconds] },
    }),
    toolCalls: meter.createCounter(METRIC.toolCalls, { description: "Tool calls that ended", unit: "{call}" }),
    approvals: meter.createCounter(METRIC.approvals, { description: "Checkpoints approved", unit: "{decision}" }),
    denials: meter.createCounter(METRIC.denials, { description: "Checkpoints denied", unit: "{decision}" }),
  };
}

/** Attributes with the undefined ones left out. */
export function defined(attributes: Record<string, string | number | boolean | undefined>): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}
