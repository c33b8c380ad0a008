import type { Extension, HookEvent } from "@cortex/hooks";
import type { ModelClient } from "@cortex/primitives";
import { context, metrics, SpanKind, trace, type Attributes, type Link, type SpanOptions } from "@opentelemetry/api";
import { ATTR, EVENT, OPERATION } from "./attributes.js";
import { chatContentModel } from "./chat-content.js";
import { CheckpointSpans, type RunRef } from "./checkpoint-spans.js";
import { ContentWriter, inputMessages, outputMessages } from "./content.js";
import { errorType } from "./errors.js";
import { createInstruments, defined, type Instruments } from "./instruments.js";
import { checkOptions, OTEL_DEFAULTS, type OpenTelemetryOptions } from "./options.js";
import { SpanBook } from "./span-book.js";

/**
 * Traces Cortex runs in the OpenTelemetry GenAI semantic conventions, using
 * only `@opentelemetry/api`: `invoke_agent <agent>` per run (a child of its
 * orchestration's `invoke_workflow <strategy>`), `chat <model>` per model
 * call and `execute_tool <tool>` per tool call under it, with span events
 * for persona, behavior, phase, handoff and checkpoint; metrics
 * `gen_ai.client.token.usage`, `gen_ai.client.operation.duration` and
 * counters of tool calls, approvals and denials. A paused run keeps its
 * trace context in the run store: the run resumed in any process continues
 * the trace as a child of the paused run's span, with an `await_approval`
 * span covering the wait. Content is recorded only with `captureContent`,
 * redacted. Every span is ended: at the run's end, its pause, or shutdown.
 */
export class OpenTelemetryExtension implements Extension {
  readonly name: string;
  readonly #metrics: Instruments;
  readonly #options: OpenTelemetryOptions;
  readonly #content: ContentWriter | undefined;
  readonly #book: SpanBook;
  readonly #checkpoints: CheckpointSpans;
  readonly #chatName: string;
  readonly #chatAttributes: Attributes;
  /** The chat span's start options, one object for every call: the SDK reads them and keeps nothing of them. */
  readonly #chatOptions: SpanOptions;
  /** Built once: attribute sets are hashed by the metrics SDK on every record, and allocating them per call adds up. */
  readonly #tokenAttributes: { input: Attributes; output: Attributes };
  readonly #toolOutcomes = new Map<string, { ok: Attributes; error: Attributes }>();

  /** Checks the options (`CORTEX_INVALID_OPTIONS`); providers default to the global ones. */
  constructor(options?: OpenTelemetryOptions) {
    const checked = checkOptions(options);
    this.#options = checked;
    this.name = checked.name ?? OTEL_DEFAULTS.name;
    this.#metrics = createInstruments(checked.meterProvider ?? metrics.getMeterProvider());
    const { secrets } = checked;
    const read = secrets === undefined ? undefined : typeof secrets === "function" ? secrets : () => secrets;
    const writer = new ContentWriter(read, checked.maxContentLength ?? OTEL_DEFAULTS.maxContentLength);
    this.#content = checked.captureContent === true ? writer : undefined;
    const provider = checked.provider ?? OTEL_DEFAULTS.provider;
    this.#book = new SpanBook({
      tracer: (checked.tracerProvider ?? trace.getTracerProvider()).getTracer("@cortex/otel"),
      provider,
      model: checked.model,
      plugins: checked.plugins,
      writer,
    });
    this.#checkpoints = new CheckpointSpans(this.#book, this.#metrics);
    this.#chatName = checked.model === undefined ? OPERATION.chat : `${OPERATION.chat} ${checked.model}`;
    this.#chatAttributes = defined({
      [ATTR.operationName]: OPERATION.chat,
      [ATTR.providerName]: provider,
      [ATTR.requestModel]: checked.model,
    });
    this.#chatOptions = { kind: SpanKind.CLIENT, attributes: this.#chatAttributes };
    this.#tokenAttributes = {
      input: { ...this.#chatAttributes, [ATTR.tokenType]: "input" },
      output: { ...this.#chatAttributes, [ATTR.tokenType]: "output" },
    };
  }

  /**
   * The model to give the engine for chat spans to carry their messages:
   * with `captureContent`, each call's request messages and answer are
   * recorded on its `chat` span (`gen_ai.input.messages`,
   * `gen_ai.output.messages`), redacted and cut like all content; without
   * it, `inner` itself.
   */
  model(inner: ModelClient): ModelClient {
    const content = this.#content;
    if (content === undefined) return inner;
    return chatContentModel(inner, (runId) => this.#book.runs.get(runId)?.chat, content);
  }

  /**
   * Called by the engine before a run's first event: keeps the run's
   * session for its span. A run continued after a crash has no
   * `runStarted`, so its `invoke_agent` span starts here.
   */
  runStarting(run: RunRef): void {
    if (run.sessionId !== undefined) this.#book.sessions.set(run.runId, run.sessionId);
    if (run.entry === "continue") {
      this.#book.startRun(run.runId, run.agentId, context.active(), [], { [ATTR.runContinued]: true });
    }
  }

  /** Called by the engine right before a paused run is saved: what the resumed run's trace continues from. */
  saveRunContext(run: RunRef): unknown {
    return this.#checkpoints.save(run);
  }

  /** Called by the engine when a paused run resumes, before `checkpointResolved`, with what was saved. */
  restoreRunContext(run: RunRef, saved: unknown): void {
    this.#checkpoints.restore(run, saved);
  }

  onRunStarted(e: HookEvent<"runStarted">): void {
    const book = this.#book;
    const orchestration = book.orchestrations.contextOf(e.orchestrationId);
    const handedBy = book.handoffs.get(e.agentId);
    if (handedBy) book.handoffs.delete(e.agentId);
    let parent = context.active();
    if (orchestration) parent = trace.setSpanContext(parent, orchestration);
    else if (handedBy) parent = trace.setSpanContext(parent, handedBy);
    const links: Link[] = handedBy && orchestration ? [{ context: handedBy }] : [];
    const extra = e.orchestrationId === undefined ? undefined : { [ATTR.orchestrationId]: e.orchestrationId };
    const run = book.startRun(e.runId, e.agentId, parent, links, extra);
    run.orchestrationId = e.orchestrationId;
    if (this.#content) run.span.setAttribute(ATTR.inputMessages, this.#content.write(inputMessages(e.input)));
  }

  onRunCompleted(e: HookEvent<"runCompleted">): void {
    const run = this.#book.takeRun(e.runId);
    if (!run) return;
    run.endChildren("run_completed", false);
    run.span.setAttribute(ATTR.runStatus, "completed");
    if (this.#content) run.span.setAttribute(ATTR.outputMessages, this.#content.write(outputMessages(e.output)));
    run.end();
    this.#book.orchestrations.runEnded(run, e.runId, false);
  }

  onRunFailed(e: HookEvent<"runFailed">): void {
    const run = this.#book.takeRun(e.runId);
    if (!run) return;
    run.endChildren("run_failed", true);
    run.span.setAttribute(ATTR.runStatus, "failed");
    this.#book.fail(run.span, e.error);
    run.end();
    this.#book.orchestrations.runEnded(run, e.runId, false);
  }

  onModelCalled(e: HookEvent<"modelCalled">): void {
    const run = this.#book.runs.get(e.runId);
    if (!run) return;
    const span = this.#book.settings.tracer.startSpan(this.#chatName, this.#chatOptions, run.context);
    span.setAttribute(ATTR.stepIndex, e.stepIndex);
    run.chat = span;
    run.chatStarted = performance.now();
  }

  onModelCompleted(e: HookEvent<"modelCompleted">): void {
    const run = this.#book.runs.get(e.runId);
    const span = run?.chat;
    if (!run || !span) return;
    run.chat = undefined;
    const { usage } = e;
    if (usage) {
      span.setAttribute(ATTR.inputTokens, usage.inputTokens);
      span.setAttribute(ATTR.outputTokens, usage.outputTokens);
      run.inputTokens += usage.inputTokens;
      run.outputTokens += usage.outputTokens;
      this.#metrics.tokens.record(usage.inputTokens, this.#tokenAttributes.input);
      this.#metrics.tokens.record(usage.outputTokens, this.#tokenAttributes.output);
    }
    this.#metrics.duration.record(e.elapsedMs / 1000, this.#chatAttributes);
    span.end();
  }

  onModelFailed(e: HookEvent<"modelFailed">): void {
    const run = this.#book.runs.get(e.runId);
    const span = run?.chat;
    if (!run || !span) return;
    run.chat = undefined;
    this.#book.fail(span, e.error);
    const seconds = (performance.now() - run.chatStarted) / 1000;
    this.#metrics.duration.record(seconds, { ...this.#chatAttributes, [ATTR.errorType]: errorType(e.error) });
    span.end();
  }

  onToolCalled(e: HookEvent<"toolCalled">): void {
    const run = this.#book.runs.get(e.runId);
    if (!run) return;
    const tool = this.#book.startTool(run, e.toolName, e.toolCallId);
    if (this.#content) tool.span.setAttribute(ATTR.toolArguments, this.#content.write(e.args));
  }

  onToolCompleted(e: HookEvent<"toolCompleted">): void {
    const tool = this.#book.takeTool(e.runId, e.toolName, e.toolCallId);
    if (!tool) return;
    if (this.#content) tool.span.setAttribute(ATTR.toolResult, this.#content.write(e.result));
    this.#metrics.toolCalls.add(1, this.#outcome(e.toolName).ok);
    tool.span.end();
  }

  onToolFailed(e: HookEvent<"toolFailed">): void {
    const tool = this.#book.takeTool(e.runId, e.toolName, e.toolCallId);
    if (!tool) return;
    this.#book.fail(tool.span, e.error);
    this.#metrics.toolCalls.add(1, this.#outcome(e.toolName).error);
    tool.wait?.end();
    tool.span.end();
  }

  onPersonaResolved(e: HookEvent<"personaResolved">): void {
    if (e.runId !== undefined) this.#event(e.runId, EVENT.persona, { [ATTR.persona]: e.personaName });
  }

  onBehaviorTriggered(e: HookEvent<"behaviorTriggered">): void {
    this.#event(e.runId, EVENT.behavior, { [ATTR.behavior]: e.behaviorName });
  }

  onCognitivePhaseChanged(e: HookEvent<"cognitivePhaseChanged">): void {
    this.#event(e.runId, EVENT.phase, { [ATTR.phaseFrom]: e.from, [ATTR.phaseTo]: e.to });
  }

  onAgentHandoff(e: HookEvent<"agentHandoff">): void {
    const attributes = { [ATTR.handoffFrom]: e.from, [ATTR.handoffTo]: e.to };
    const run = e.runId === undefined ? undefined : this.#book.runs.get(e.runId);
    if (run) {
      run.span.addEvent(EVENT.handoff, attributes);
      this.#book.handoffs.set(e.to, run.span.spanContext());
    } else this.#book.orchestrations.handoff(e.orchestrationId, attributes);
  }

  onOrchestrationStarted(e: HookEvent<"orchestrationStarted">): void {
    this.#book.orchestrations.started(e);
  }

  onOrchestrationCompleted(e: HookEvent<"orchestrationCompleted">): void {
    this.#book.orchestrations.completed(e);
  }

  onCheckpointCreated(e: HookEvent<"checkpointCreated">): void {
    this.#checkpoints.created(e);
  }

  onCheckpointResolved(e: HookEvent<"checkpointResolved">): void {
    this.#checkpoints.resolved(e);
  }

  /** Ends every span still open; with a tracer provider that has `forceFlush`, the bus waits for it. */
  onShutdown(): Promise<void> | undefined {
    this.#book.endAll();
    const provider = this.#options.tracerProvider as { forceFlush?: () => Promise<void> } | undefined;
    return typeof provider?.forceFlush === "function" ? provider.forceFlush() : undefined;
  }

  #outcome(toolName: string): { ok: Attributes; error: Attributes } {
    let outcomes = this.#toolOutcomes.get(toolName);
    if (outcomes === undefined) {
      outcomes = {
        ok: { [ATTR.toolName]: toolName, outcome: "ok" },
        error: { [ATTR.toolName]: toolName, outcome: "error" },
      };
      this.#toolOutcomes.set(toolName, outcomes);
    }
    return outcomes;
  }

  #event(runId: string, name: string, attributes: Attributes): void {
    this.#book.runs.get(runId)?.span.addEvent(name, attributes);
  }
}
