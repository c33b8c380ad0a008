import {
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type Tracer,
} from "@opentelemetry/api";
import { ATTR, OPERATION } from "./attributes.js";
import type { ContentWriter } from "./content.js";
import { errorMessage, errorType } from "./errors.js";
import { defined } from "./instruments.js";
import type { ActionSource } from "./options.js";
import { OrchestrationSpans } from "./orchestration-spans.js";
import { RunTrace, type ToolTrace } from "./run-trace.js";
import type { ReadTrace } from "./saved-context.js";

/** What the book needs to name and describe spans. */
export interface SpanBookSettings {
  readonly tracer: Tracer;
  readonly provider: string;
  readonly model: string | undefined;
  readonly plugins: ActionSource | undefined;
  /** Redacts error messages and reasons (always, whether content is captured or not). */
  readonly writer: ContentWriter;
}

/** The name and start options of one tool's spans, and the tiers they were built from. */
interface ToolKind {
  readonly spanName: string;
  readonly options: SpanOptions;
  readonly tiers: ReadonlyMap<string, string | null> | undefined;
}

/** A paused run's trace read back on resume, waiting for its `checkpointResolved`. */
export interface RestoredRun extends ReadTrace {
  readonly agentId: string;
}

/** The spans open in this process, by run and orchestration, and what starting the next ones needs. */
export class SpanBook {
  readonly runs = new Map<string, RunTrace>();
  readonly orchestrations: OrchestrationSpans;
  /** Sessions of runs about to start or resume (the hooks' events do not carry them). */
  readonly sessions = new Map<string, string>();
  readonly restored = new Map<string, RestoredRun>();
  /** The span of the run that handed off, by the agent it handed to: the next run of that agent starts under it. */
  readonly handoffs = new Map<string, SpanContext>();
  #tiers: Map<string, string | null> | undefined;
  readonly #toolKinds = new Map<string, ToolKind>();

  constructor(readonly settings: SpanBookSettings) {
    this.orchestrations = new OrchestrationSpans(settings.tracer, settings.provider, this.runs);
  }

  /** Starts `invoke_agent <agent>` under `parent` and keeps it as the run's span. */
  startRun(runId: string, agentId: string | undefined, parent: Context, links: Link[], extra?: Attributes): RunTrace {
    const { tracer, provider, model } = this.settings;
    const sessionId = this.sessions.get(runId);
    if (sessionId !== undefined) this.sessions.delete(runId);
    // Filled field by field: on Node 20 a literal built from spreads and then extended costs about 1 µs a field.
    const attributes: Attributes = {
      [ATTR.operationName]: OPERATION.agent,
      [ATTR.providerName]: provider,
      [ATTR.runId]: runId,
    };
    if (agentId !== undefined) {
      attributes[ATTR.agentId] = agentId;
      attributes[ATTR.agentName] = agentId;
    }
    if (model !== undefined) attributes[ATTR.requestModel] = model;
    if (sessionId !== undefined) attributes[ATTR.conversationId] = sessionId;
    if (extra !== undefined) Object.assign(attributes, extra);
    const name = agentId === undefined ? OPERATION.agent : `${OPERATION.agent} ${agentId}`;
    const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes, links }, parent);
    const run = new RunTrace(span, trace.setSpan(parent, span), agentId ?? "");
    this.runs.set(runId, run);
    return run;
  }

  /** The run's trace, no longer kept. */
  takeRun(runId: string): RunTrace | undefined {
    const run = this.runs.get(runId);
    this.runs.delete(runId);
    return run;
  }

  /** Starts `execute_tool <tool>` under the run's span. */
  startTool(run: RunTrace, toolName: string, callId: string | undefined): ToolTrace {
    const kind = this.#toolKind(toolName);
    const span = this.settings.tracer.startSpan(kind.spanName, kind.options, run.context);
    if (callId !== undefined) span.setAttribute(ATTR.toolCallId, callId);
    const tool: ToolTrace = { span, name: toolName, callId };
    run.tools.set(RunTrace.key(toolName, callId), tool);
    run.lastTool = tool;
    return tool;
  }

  /** What every span of one tool shares, built once per tool (again when the registry was read anew since). */
  #toolKind(toolName: string): ToolKind {
    const tiers = this.#readTiers(toolName);
    const known = this.#toolKinds.get(toolName);
    if (known !== undefined && known.tiers === tiers) return known;
    const split = toolName.indexOf("__");
    const attributes = defined({
      [ATTR.operationName]: OPERATION.tool,
      [ATTR.providerName]: this.settings.provider,
      [ATTR.toolName]: toolName,
      [ATTR.toolType]: "function",
      [ATTR.plugin]: split === -1 ? undefined : toolName.slice(0, split),
      [ATTR.action]: split === -1 ? undefined : toolName.slice(split + 2),
      [ATTR.tier]: tiers?.get(toolName) ?? undefined,
    });
    const kind: ToolKind = {
      spanName: `${OPERATION.tool} ${toolName}`,
      options: { kind: SpanKind.INTERNAL, attributes },
      tiers,
    };
    this.#toolKinds.set(toolName, kind);
    return kind;
  }

  /** The open tool span of this call, no longer kept. */
  takeTool(runId: string, toolName: string, callId: string | undefined): ToolTrace | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const key = RunTrace.key(toolName, callId);
    const tool = run.tools.get(key);
    run.tools.delete(key);
    if (run.lastTool === tool) run.lastTool = undefined;
    return tool;
  }

  /** Error status (redacted message) and `error.type`. */
  fail(span: Span, error: unknown): void {
    span.setAttribute(ATTR.errorType, errorType(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: this.settings.writer.redact(errorMessage(error)) });
  }

  /** Ends every span still open, marked as ended by shutdown, and forgets everything. */
  endAll(): void {
    for (const run of this.runs.values()) {
      run.endChildren("shutdown", false);
      run.span.setAttribute(ATTR.endedBy, "shutdown");
      run.end();
    }
    this.orchestrations.endAll();
    for (const map of [this.runs, this.sessions, this.restored, this.handoffs]) map.clear();
  }

  /**
   * The tiers of the registry's actions, read again (as a new map) when a
   * tool is not in them yet; undefined without a registry.
   */
  #readTiers(toolName: string): ReadonlyMap<string, string | null> | undefined {
    const source = this.settings.plugins;
    if (!source) return undefined;
    if (this.#tiers === undefined || !this.#tiers.has(toolName)) {
      const tiers = new Map(this.#tiers);
      for (const action of source.listActions()) tiers.set(`${action.plugin}__${action.name}`, action.tier);
      if (!tiers.has(toolName)) tiers.set(toolName, null);
      this.#tiers = tiers;
    }
    return this.#tiers;
  }
}
