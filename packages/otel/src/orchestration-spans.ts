import type { HookEvent } from "@cortex/hooks";
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type SpanContext,
  type Tracer,
} from "@opentelemetry/api";
import { ATTR, EVENT, OPERATION } from "./attributes.js";
import type { RunTrace } from "./run-trace.js";

/** What a paused run of an orchestration keeps of it (as JSON, in the run store): its id and where its trace is. */
export interface SavedOrchestration {
  readonly id: string;
  readonly strategy: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

/** How many orchestrations with no span open here are remembered (see `OrchestrationSpans`). */
const MAX_AWAY = 1024;

/** One orchestration as this process traces it. */
interface OrchestrationTrace {
  readonly id: string;
  readonly strategy: string;
  /** What its runs start under: its own span's context, or that of the span it continues. */
  readonly context: SpanContext;
  /** Its span, while open in this process. */
  span: Span | undefined;
  /** Its runs paused in this process and not resumed yet. */
  readonly paused: Set<string>;
  /** Epoch ms when it was resumed here after its last pause, for the span of the rest of it. */
  resumedAt: number | undefined;
  /** Handoffs since it was resumed here, while no span of it is open, for the span of the rest of it. */
  readonly events: { name: string; attributes: Attributes; time: number }[];
}

/** An orchestration as first seen here: started here (with its span) or resumed here (under the span it continues). */
function newTrace(id: string, strategy: string, context: SpanContext, span: Span | undefined): OrchestrationTrace {
  return { id, strategy, context, span, paused: new Set(), resumedAt: undefined, events: [] };
}

/**
 * Orchestrations in the trace. An `invoke_workflow <strategy>` span is the
 * parent of the orchestration's runs. No hook says that an orchestration
 * paused, but it has once a run of it paused and none is left running in
 * this process: its span ends then (`cortex.orchestration.status =
 * awaiting_approval`), and the paused run keeps the span's context. Wherever
 * the orchestration goes on, its later runs are children of that span, and
 * what it does from the resume to its end or its next pause there is a
 * second `invoke_workflow` span (`cortex.orchestration.resumed`), started
 * only then, so that no span stays open while nothing says when it ends.
 */
export class OrchestrationSpans {
  readonly #traces = new Map<string, OrchestrationTrace>();
  /**
   * Those of `#traces` with no span open here (paused here, or resumed here),
   * oldest first: kept for their later runs and their end, at most
   * `maxAway` (default 1024), so a process that sees many orchestrations pause and go
   * on elsewhere does not keep a record of each for ever.
   */
  readonly #away = new Map<string, OrchestrationTrace>();

  constructor(
    private readonly tracer: Tracer,
    private readonly provider: string,
    private readonly runs: ReadonlyMap<string, RunTrace>,
    private readonly maxAway = MAX_AWAY,
  ) {}

  started(e: HookEvent<"orchestrationStarted">): void {
    const span = this.tracer.startSpan(`${OPERATION.workflow} ${e.strategy}`, {
      kind: SpanKind.INTERNAL,
      attributes: this.#attributes(e.orchestrationId, e.strategy),
    });
    this.#traces.set(e.orchestrationId, newTrace(e.orchestrationId, e.strategy, span.spanContext(), span));
  }

  completed(e: HookEvent<"orchestrationCompleted">): void {
    const orchestration = this.#traces.get(e.orchestrationId);
    if (!orchestration) return;
    this.#traces.delete(e.orchestrationId);
    this.#away.delete(e.orchestrationId);
    const span = orchestration.span ?? this.#rest(orchestration);
    if (!span) return;
    const failed = e.outcome === "failed";
    span.setAttribute(ATTR.orchestrationStatus, failed ? "failed" : "completed");
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: "the orchestration failed" });
    span.end();
  }

  /** A handoff the orchestration made (not a run): an event on its span. */
  handoff(orchestrationId: string, attributes: Attributes): void {
    const orchestration = this.#traces.get(orchestrationId);
    if (orchestration?.span) orchestration.span.addEvent(EVENT.handoff, attributes);
    else if (orchestration?.resumedAt !== undefined) {
      orchestration.events.push({ name: EVENT.handoff, attributes, time: Date.now() });
    }
  }

  /** The span context a run of this orchestration starts under, when the orchestration is known here. */
  contextOf(orchestrationId: string | undefined): SpanContext | undefined {
    return orchestrationId === undefined ? undefined : this.#traces.get(orchestrationId)?.context;
  }

  /** Right after a run's span ended (completed, failed or paused): ends its orchestration's span if it paused. */
  runEnded(run: RunTrace, runId: string, paused: boolean): void {
    const orchestration = run.orchestrationId === undefined ? undefined : this.#traces.get(run.orchestrationId);
    if (!orchestration) return;
    if (paused) orchestration.paused.add(runId);
    if (orchestration.paused.size === 0) return;
    for (const open of this.runs.values()) if (open.orchestrationId === orchestration.id) return;
    const span = orchestration.span ?? this.#rest(orchestration);
    span?.setAttributes({ [ATTR.orchestrationStatus]: "awaiting_approval", [ATTR.endedBy]: "paused" });
    span?.end();
    orchestration.span = undefined;
    orchestration.resumedAt = undefined;
    orchestration.events.length = 0;
    this.#keepAway(orchestration);
  }

  /** What a paused run of this orchestration keeps of it. */
  save(orchestrationId: string | undefined): SavedOrchestration | undefined {
    const orchestration = orchestrationId === undefined ? undefined : this.#traces.get(orchestrationId);
    if (!orchestration) return undefined;
    const { id, strategy, context } = orchestration;
    return { id, strategy, traceId: context.traceId, spanId: context.spanId, traceFlags: context.traceFlags };
  }

  /** A paused run of the orchestration resumes in this process: the orchestration goes on here too. */
  resume(runId: string, saved: SavedOrchestration, context: SpanContext): void {
    let orchestration = this.#traces.get(saved.id);
    if (orchestration === undefined) {
      orchestration = newTrace(saved.id, saved.strategy, context, undefined);
      this.#traces.set(saved.id, orchestration);
    }
    orchestration.paused.delete(runId);
    if (orchestration.span === undefined) {
      orchestration.resumedAt ??= Date.now();
      this.#keepAway(orchestration);
    }
  }

  /** Ends every span still open, marked as ended by shutdown, and forgets everything. */
  endAll(): void {
    for (const { span } of this.#traces.values()) {
      span?.setAttribute(ATTR.endedBy, "shutdown");
      span?.end();
    }
    this.#traces.clear();
    this.#away.clear();
  }

  /** The span of what the orchestration did here since it was resumed here, started now; none if it was not. */
  #rest(orchestration: OrchestrationTrace): Span | undefined {
    if (orchestration.resumedAt === undefined) return undefined;
    const span = this.tracer.startSpan(
      `${OPERATION.workflow} ${orchestration.strategy}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: orchestration.resumedAt,
        attributes: this.#attributes(orchestration.id, orchestration.strategy, true),
      },
      trace.setSpanContext(ROOT_CONTEXT, orchestration.context),
    );
    for (const event of orchestration.events) span.addEvent(event.name, event.attributes, event.time);
    return span;
  }

  #keepAway(orchestration: OrchestrationTrace): void {
    this.#away.delete(orchestration.id);
    this.#away.set(orchestration.id, orchestration);
    for (const id of this.#away.keys()) {
      if (this.#away.size <= this.maxAway) break;
      this.#away.delete(id);
      this.#traces.delete(id);
    }
  }

  #attributes(id: string, strategy: string, resumed = false): Attributes {
    const attributes: Attributes = {
      [ATTR.operationName]: OPERATION.workflow,
      [ATTR.providerName]: this.provider,
      [ATTR.agentName]: strategy,
      [ATTR.orchestrationId]: id,
      [ATTR.strategy]: strategy,
    };
    if (resumed) attributes[ATTR.orchestrationResumed] = true;
    return attributes;
  }
}
