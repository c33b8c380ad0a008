import type { HookEvent } from "@cortex/hooks";
import { context, ROOT_CONTEXT, SpanKind, trace, type Attributes } from "@opentelemetry/api";
import { ATTR, EVENT } from "./attributes.js";
import { defined, type Instruments } from "./instruments.js";
import { readTrace, saveTrace } from "./saved-context.js";
import type { SpanBook } from "./span-book.js";

/** Which run the engine tells the extension about (see `RunContextCarrier` in `@cortex/core`). */
export interface RunRef {
  readonly runId: string;
  readonly agentId: string;
  readonly sessionId?: string;
  readonly checkpointId?: string;
  /** How a run comes back (`runStarting`): resumed at a checkpoint, or continued after a crash. Absent for a new run. */
  readonly entry?: "resume" | "continue";
}

/**
 * Checkpoints in the trace: an inline approver's wait is an
 * `await_approval <tool>` span under the tool span; a paused run ends its
 * spans and saves its span context with the run, and the resumed run (in
 * any process) starts a new `invoke_agent` span as a child of the paused
 * one, with an `await_approval` span from the pause to the decision.
 */
export class CheckpointSpans {
  constructor(
    private readonly book: SpanBook,
    private readonly metrics: Instruments,
  ) {}

  /** Right before a paused run is saved: the context its trace continues from. */
  save(ref: RunRef): unknown {
    const run = this.book.runs.get(ref.runId);
    if (!run || ref.checkpointId === undefined) return undefined;
    run.pausing = ref.checkpointId;
    const tool = run.lastTool;
    const orchestration = this.book.orchestrations.save(run.orchestrationId);
    return saveTrace(run.span.spanContext(), {
      pausedAt: Date.now(),
      ...(tool ? { toolName: tool.name } : {}),
      ...(tool?.callId === undefined ? {} : { toolCallId: tool.callId }),
      ...(orchestration ? { orchestration } : {}),
    });
  }

  /** When a paused run resumes, before `checkpointResolved`: keeps what was saved for it. */
  restore(ref: RunRef, saved: unknown): void {
    const read = readTrace(saved);
    if (read) this.book.restored.set(ref.runId, { ...read, agentId: ref.agentId });
    if (ref.sessionId !== undefined) this.book.sessions.set(ref.runId, ref.sessionId);
  }

  created(e: HookEvent<"checkpointCreated">): void {
    const { book } = this;
    const run = book.runs.get(e.runId);
    const tool = run?.lastTool;
    if (!run || !tool) return;
    const reason = book.settings.writer.redact(e.reason);
    const attributes = { [ATTR.checkpointId]: e.checkpointId, [ATTR.checkpointReason]: reason };
    tool.span.setAttributes(attributes);
    tool.span.addEvent(EVENT.checkpoint, attributes);
    if (run.pausing === e.checkpointId) {
      // Paused: this process may end before the decision, so the run's spans end now; the resume continues the trace.
      book.runs.delete(e.runId);
      run.span.setAttribute(ATTR.runStatus, "awaiting_approval");
      run.endChildren("paused", false);
      run.end();
      book.orchestrations.runEnded(run, e.runId, true);
      return;
    }
    const parent = trace.setSpan(run.context, tool.span);
    tool.wait = book.settings.tracer.startSpan(
      `await_approval ${tool.name}`,
      { kind: SpanKind.INTERNAL, attributes },
      parent,
    );
  }

  resolved(e: HookEvent<"checkpointResolved">): void {
    const { book } = this;
    const runId = e.runId;
    if (runId === undefined) return;
    const { approved, decidedBy, reason } = e.decision;
    const decision = defined({
      [ATTR.checkpointId]: e.checkpointId,
      [ATTR.approved]: approved,
      [ATTR.decidedBy]: decidedBy,
      [ATTR.approvalReason]: reason === undefined ? undefined : book.settings.writer.redact(reason),
    });
    const counter = approved ? this.metrics.approvals : this.metrics.denials;
    const inline = book.runs.get(runId)?.lastTool;
    if (inline?.wait) {
      inline.wait.setAttributes(decision);
      inline.wait.end();
      inline.wait = undefined;
      inline.span.setAttributes(decision);
      counter.add(1, { [ATTR.toolName]: inline.name });
      return;
    }
    const restored = book.restored.get(runId);
    book.restored.delete(runId);
    const parent = restored ? trace.setSpanContext(ROOT_CONTEXT, restored.parent) : context.active();
    const orchestration = restored?.orchestration;
    if (orchestration) book.orchestrations.resume(runId, orchestration.saved, orchestration.context);
    const extra: Attributes = { [ATTR.runResumed]: true };
    if (orchestration) extra[ATTR.orchestrationId] = orchestration.saved.id;
    const run = book.startRun(runId, restored?.agentId, parent, [], extra);
    run.orchestrationId = orchestration?.saved.id;
    run.span.addEvent(EVENT.decision, decision);
    const toolName = restored?.saved.toolName;
    counter.add(1, defined({ [ATTR.toolName]: toolName }));
    if (!restored || toolName === undefined) return;
    const wait = book.settings.tracer.startSpan(
      `await_approval ${toolName}`,
      { kind: SpanKind.INTERNAL, startTime: restored.saved.pausedAt, attributes: decision },
      run.context,
    );
    wait.setAttribute(ATTR.checkpointWaitMs, Math.max(0, Date.now() - restored.saved.pausedAt));
    wait.end();
    // The paused call ends after the decision with toolCompleted or toolFailed: its span starts anew here.
    book.startTool(run, toolName, restored.saved.toolCallId).span.setAttributes(decision);
  }
}
