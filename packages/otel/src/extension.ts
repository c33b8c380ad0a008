import type { Extension, HookEvent } from "@cortex/hooks";
import {
  context,
  metrics,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
} from "@opentelemetry/api";
import { ATTR, EVENT, OPERATION } from "./attributes.js";
import { ContentWriter, inputMessages, outputMessages } from "./content.js";
import { errorMessage, errorType } from "./errors.js";
import { createInstruments, defined, type Instruments } from "./instruments.js";
import { checkOptions, OTEL_DEFAULTS, type ActionSource, type OpenTelemetryOptions } from "./options.js";
import { RunTrace, type ToolTrace } from "./run-trace.js";
import { readTrace, saveTrace, type SavedTrace } from "./saved-context.js";

/** Which run the engine tells the extension about (see `RunContextCarrier` in `@cortex/core`). */
export interface RunRef {
  readonly runId: string;
  readonly agentId: string;
  readonly sessionId?: string;
  readonly checkpointId?: string;
}

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
  readonly #tracer: Tracer;
  readonly #metrics: Instruments;
  readonly #options: OpenTelemetryOptions;
  readonly #content: ContentWriter | undefined;
  readonly #writer: ContentWriter;
  readonly #provider: string;
  readonly #chatName: string;
  readonly #runs = new Map<string, RunTrace>();
  readonly #orchestrations = new Map<string, Span>();
  /** Sessions of runs about to start (from `runStarting`), and the contexts of paused runs being resumed. */
  readonly #sessions = new Map<string, string>();
  readonly #restored = new Map<string, { saved: SavedTrace; parent: SpanContext; agentId: string }>();
  /** The span of the run that handed off, by the agent it handed to: the next run of that agent starts under it. */
  readonly #handoffs = new Map<string, SpanContext>();
  #tiers: Map<string, string | null> | undefined;

  /** Checks the options (`CORTEX_INVALID_OPTIONS`); providers default to the global ones, read on each span. */
  constructor(options?: OpenTelemetryOptions) {
    const checked = checkOptions(options);
    this.#options = checked;
    this.name = checked.name ?? OTEL_DEFAULTS.name;
    this.#tracer = (checked.tracerProvider ?? trace.getTracerProvider()).getTracer("@cortex/otel");
    this.#metrics = createInstruments(checked.meterProvider ?? metrics.getMeterProvider());
    const { secrets } = checked;
    const read = secrets === undefined ? undefined : typeof secrets === "function" ? secrets : () => secrets;
    this.#writer = new ContentWriter(read, checked.maxContentLength ?? OTEL_DEFAULTS.maxContentLength);
    this.#content = checked.captureContent === true ? this.#writer : undefined;
    this.#provider = checked.provider ?? OTEL_DEFAULTS.provider;
    this.#chatName = checked.model === undefined ? OPERATION.chat : `${OPERATION.chat} ${checked.model}`;
  }

  /** Called by the engine before `runStarted`: keeps the run's session for its span. */
  runStarting(run: RunRef): void {
    if (run.sessionId !== undefined) this.#sessions.set(run.runId, run.sessionId);
  }

  onRunStarted(e: HookEvent<"runStarted">): void {
    const orchestration = e.orchestrationId === undefined ? undefined : this.#orchestrations.get(e.orchestrationId);
    const handedBy = this.#handoffs.get(e.agentId);
    if (handedBy) this.#handoffs.delete(e.agentId);
    let parent = context.active();
    if (orchestration) parent = trace.setSpan(parent, orchestration);
    else if (handedBy) parent = trace.setSpanContext(parent, handedBy);
    const links: Link[] = handedBy && orchestration ? [{ context: handedBy }] : [];
    const run = this.#startRun(e.runId, e.agentId, parent, links, {});
    if (e.orchestrationId !== undefined) run.span.setAttribute(ATTR.orchestrationId, e.orchestrationId);
    if (this.#content) run.span.setAttribute(ATTR.inputMessages, this.#content.write(inputMessages(e.input)));
  }

  onRunCompleted(e: HookEvent<"runCompleted">): void {
    const run = this.#takeRun(e.runId);
    if (!run) return;
    run.endChildren("run_completed", false);
    run.span.setAttribute(ATTR.runStatus, "completed");
    if (this.#content) run.span.setAttribute(ATTR.outputMessages, this.#content.write(outputMessages(e.output)));
    run.end();
  }

  onRunFailed(e: HookEvent<"runFailed">): void {
    const run = this.#takeRun(e.runId);
    if (!run) return;
    run.endChildren("run_failed", true);
    run.span.setAttribute(ATTR.runStatus, "failed");
    this.#fail(run.span, e.error);
    run.end();
  }

  onModelCalled(e: HookEvent<"modelCalled">): void {
    const run = this.#runs.get(e.runId);
    if (!run) return;
    const attributes = defined({
      [ATTR.operationName]: OPERATION.chat,
      [ATTR.providerName]: this.#provider,
      [ATTR.requestModel]: this.#options.model,
    });
    const span = this.#tracer.startSpan(
      this.#chatName,
      { kind: SpanKind.CLIENT, attributes: { ...attributes, [ATTR.stepIndex]: e.stepIndex } },
      run.context,
    );
    run.model = { span, attributes, started: performance.now() };
  }

  onModelCompleted(e: HookEvent<"modelCompleted">): void {
    const run = this.#runs.get(e.runId);
    const model = run?.model;
    if (!run || !model) return;
    run.model = undefined;
    const { usage } = e;
    if (usage) {
      model.span.setAttribute(ATTR.inputTokens, usage.inputTokens);
      model.span.setAttribute(ATTR.outputTokens, usage.outputTokens);
      run.inputTokens += usage.inputTokens;
      run.outputTokens += usage.outputTokens;
      this.#metrics.tokens.record(usage.inputTokens, { ...model.attributes, [ATTR.tokenType]: "input" });
      this.#metrics.tokens.record(usage.outputTokens, { ...model.attributes, [ATTR.tokenType]: "output" });
    }
    this.#metrics.duration.record(e.elapsedMs / 1000, model.attributes);
    model.span.end();
  }

  onModelFailed(e: HookEvent<"modelFailed">): void {
    const run = this.#runs.get(e.runId);
    const model = run?.model;
    if (!run || !model) return;
    run.model = undefined;
    this.#fail(model.span, e.error);
    const seconds = (performance.now() - model.started) / 1000;
    this.#metrics.duration.record(seconds, { ...model.attributes, [ATTR.errorType]: errorType(e.error) });
    model.span.end();
  }

  onToolCalled(e: HookEvent<"toolCalled">): void {
    const run = this.#runs.get(e.runId);
    if (!run) return;
    const tool = this.#startTool(run, e.toolName, e.toolCallId);
    if (this.#content) tool.span.setAttribute(ATTR.toolArguments, this.#content.write(e.args));
  }

  onToolCompleted(e: HookEvent<"toolCompleted">): void {
    const tool = this.#takeTool(e.runId, e.toolName, e.toolCallId);
    if (!tool) return;
    if (this.#content) tool.span.setAttribute(ATTR.toolResult, this.#content.write(e.result));
    this.#metrics.toolCalls.add(1, { [ATTR.toolName]: e.toolName, outcome: "ok" });
    tool.span.end();
  }

  onToolFailed(e: HookEvent<"toolFailed">): void {
    const tool = this.#takeTool(e.runId, e.toolName, e.toolCallId);
    if (!tool) return;
    this.#fail(tool.span, e.error);
    this.#metrics.toolCalls.add(1, { [ATTR.toolName]: e.toolName, outcome: "error" });
    if (tool.wait) tool.wait.end();
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
    const run = e.runId === undefined ? undefined : this.#runs.get(e.runId);
    if (run) {
      run.span.addEvent(EVENT.handoff, attributes);
      this.#handoffs.set(e.to, run.span.spanContext());
    } else this.#orchestrations.get(e.orchestrationId)?.addEvent(EVENT.handoff, attributes);
  }

  onOrchestrationStarted(e: HookEvent<"orchestrationStarted">): void {
    const span = this.#tracer.startSpan(`${OPERATION.workflow} ${e.strategy}`, {
      kind: SpanKind.INTERNAL,
      attributes: {
        [ATTR.operationName]: OPERATION.workflow,
        [ATTR.providerName]: this.#provider,
        [ATTR.agentName]: e.strategy,
        [ATTR.orchestrationId]: e.orchestrationId,
        [ATTR.strategy]: e.strategy,
      },
    });
    this.#orchestrations.set(e.orchestrationId, span);
  }

  onOrchestrationCompleted(e: HookEvent<"orchestrationCompleted">): void {
    const span = this.#orchestrations.get(e.orchestrationId);
    if (!span) return;
    this.#orchestrations.delete(e.orchestrationId);
    if (e.outcome === "failed") span.setStatus({ code: SpanStatusCode.ERROR, message: "the orchestration failed" });
    span.end();
  }

  onCheckpointCreated(e: HookEvent<"checkpointCreated">): void {
    const run = this.#runs.get(e.runId);
    const tool = run?.lastTool;
    if (!run || !tool) return;
    const attributes = { [ATTR.checkpointId]: e.checkpointId, [ATTR.checkpointReason]: this.#writer.redact(e.reason) };
    tool.span.setAttributes(attributes);
    tool.span.addEvent(EVENT.checkpoint, attributes);
    if (run.pausing === e.checkpointId) {
      // Paused: this process may end before the decision, so the run's spans end now; the resume continues the trace.
      this.#runs.delete(e.runId);
      run.span.setAttribute(ATTR.runStatus, "awaiting_approval");
      run.endChildren("paused", false);
      run.end();
      return;
    }
    tool.wait = this.#tracer.startSpan(
      `await_approval ${tool.name}`,
      { kind: SpanKind.INTERNAL, attributes },
      trace.setSpan(run.context, tool.span),
    );
  }

  onCheckpointResolved(e: HookEvent<"checkpointResolved">): void {
    const runId = e.runId;
    if (runId === undefined) return;
    const { approved, decidedBy, reason } = e.decision;
    const decision = defined({
      [ATTR.checkpointId]: e.checkpointId,
      [ATTR.approved]: approved,
      [ATTR.decidedBy]: decidedBy,
      [ATTR.approvalReason]: reason === undefined ? undefined : this.#writer.redact(reason),
    });
    const inline = this.#runs.get(runId)?.lastTool;
    const counter = approved ? this.#metrics.approvals : this.#metrics.denials;
    if (inline?.wait) {
      inline.wait.setAttributes(decision);
      inline.wait.end();
      inline.wait = undefined;
      inline.span.setAttributes(decision);
      counter.add(1, { [ATTR.toolName]: inline.name });
      return;
    }
    const restored = this.#restored.get(runId);
    this.#restored.delete(runId);
    const parent = restored ? trace.setSpanContext(ROOT_CONTEXT, restored.parent) : context.active();
    const run = this.#startRun(runId, restored?.agentId, parent, [], { [ATTR.runResumed]: true });
    run.span.addEvent(EVENT.decision, decision);
    const toolName = restored?.saved.toolName;
    counter.add(1, defined({ [ATTR.toolName]: toolName }));
    if (!restored || toolName === undefined) return;
    const waitedMs = Math.max(0, Date.now() - restored.saved.pausedAt);
    const wait = this.#tracer.startSpan(
      `await_approval ${toolName}`,
      { kind: SpanKind.INTERNAL, startTime: restored.saved.pausedAt, attributes: decision },
      run.context,
    );
    wait.setAttribute(ATTR.checkpointWaitMs, waitedMs);
    wait.end();
    this.#startTool(run, toolName, restored.saved.toolCallId).span.setAttributes(decision);
  }

  onShutdown(): Promise<void> | void {
    for (const run of this.#runs.values()) {
      run.endChildren("shutdown", false);
      run.span.setAttribute(ATTR.endedBy, "shutdown");
      run.end();
    }
    this.#runs.clear();
    for (const span of this.#orchestrations.values()) {
      span.setAttribute(ATTR.endedBy, "shutdown");
      span.end();
    }
    this.#orchestrations.clear();
    this.#sessions.clear();
    this.#restored.clear();
    this.#handoffs.clear();
    const provider = this.#options.tracerProvider as { forceFlush?: () => Promise<void> } | undefined;
    if (typeof provider?.forceFlush === "function") return provider.forceFlush();
  }

  /** Called by the engine right before a paused run is saved: what the resumed run's trace continues from. */
  saveRunContext(ref: RunRef): unknown {
    const run = this.#runs.get(ref.runId);
    if (!run || ref.checkpointId === undefined) return undefined;
    run.pausing = ref.checkpointId;
    const tool = run.lastTool;
    return saveTrace(run.span.spanContext(), {
      pausedAt: Date.now(),
      ...(tool ? { toolName: tool.name } : {}),
      ...(tool?.callId === undefined ? {} : { toolCallId: tool.callId }),
    });
  }

  /** Called by the engine when a paused run resumes, before `checkpointResolved`, with what was saved. */
  restoreRunContext(ref: RunRef, saved: unknown): void {
    const read = readTrace(saved);
    if (read) this.#restored.set(ref.runId, { ...read, agentId: ref.agentId });
    if (ref.sessionId !== undefined) this.#sessions.set(ref.runId, ref.sessionId);
  }

  #startRun(runId: string, agentId: string | undefined, parent: Context, links: Link[], extra: Attributes): RunTrace {
    const sessionId = this.#sessions.get(runId);
    this.#sessions.delete(runId);
    const attributes: Attributes = {
      ...defined({
        [ATTR.operationName]: OPERATION.agent,
        [ATTR.providerName]: this.#provider,
        [ATTR.agentId]: agentId,
        [ATTR.agentName]: agentId,
        [ATTR.requestModel]: this.#options.model,
        [ATTR.runId]: runId,
        [ATTR.conversationId]: sessionId,
      }),
      ...extra,
    };
    const name = agentId === undefined ? OPERATION.agent : `${OPERATION.agent} ${agentId}`;
    const span = this.#tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes, links }, parent);
    const run = new RunTrace(span, trace.setSpan(parent, span), agentId ?? "");
    this.#runs.set(runId, run);
    return run;
  }

  #takeRun(runId: string): RunTrace | undefined {
    const run = this.#runs.get(runId);
    this.#runs.delete(runId);
    return run;
  }

  #startTool(run: RunTrace, toolName: string, callId: string | undefined): ToolTrace {
    const split = toolName.indexOf("__");
    const plugin = split === -1 ? undefined : toolName.slice(0, split);
    const action = split === -1 ? undefined : toolName.slice(split + 2);
    const attributes = defined({
      [ATTR.operationName]: OPERATION.tool,
      [ATTR.providerName]: this.#provider,
      [ATTR.toolName]: toolName,
      [ATTR.toolCallId]: callId,
      [ATTR.toolType]: "function",
      [ATTR.plugin]: plugin,
      [ATTR.action]: action,
      [ATTR.tier]: this.#tier(toolName),
    });
    const span = this.#tracer.startSpan(
      `${OPERATION.tool} ${toolName}`,
      { kind: SpanKind.INTERNAL, attributes },
      run.context,
    );
    const tool: ToolTrace = { span, name: toolName, callId };
    run.tools.set(RunTrace.key(toolName, callId), tool);
    run.lastTool = tool;
    return tool;
  }

  #takeTool(runId: string, toolName: string, callId: string | undefined): ToolTrace | undefined {
    const run = this.#runs.get(runId);
    if (!run) return undefined;
    const key = RunTrace.key(toolName, callId);
    const tool = run.tools.get(key);
    run.tools.delete(key);
    if (run.lastTool === tool) run.lastTool = undefined;
    return tool;
  }

  /** The tier of a tool from the registry, read again when a tool is not known yet. */
  #tier(toolName: string): string | undefined {
    const source: ActionSource | undefined = this.#options.plugins;
    if (!source) return undefined;
    if (this.#tiers === undefined || !this.#tiers.has(toolName)) {
      this.#tiers = new Map(this.#tiers);
      for (const action of source.listActions()) this.#tiers.set(`${action.plugin}__${action.name}`, action.tier);
      if (!this.#tiers.has(toolName)) this.#tiers.set(toolName, null);
    }
    return this.#tiers.get(toolName) ?? undefined;
  }

  #event(runId: string, name: string, attributes: Attributes): void {
    this.#runs.get(runId)?.span.addEvent(name, attributes);
  }

  #fail(span: Span, error: unknown): void {
    span.setAttribute(ATTR.errorType, errorType(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: this.#writer.redact(errorMessage(error)) });
  }
}
