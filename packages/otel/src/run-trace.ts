import { SpanStatusCode, type Context, type Span } from "@opentelemetry/api";
import { ATTR } from "./attributes.js";

/** An open tool span and what the wait for its approval needs. */
export interface ToolTrace {
  readonly span: Span;
  readonly name: string;
  readonly callId: string | undefined;
  /** Set while an inline approver decides. */
  wait?: Span;
}

/** What the extension holds of one run while it runs in this process: its span and its open children. */
export class RunTrace {
  /** The open chat span of the current step, and when it started (`performance.now()`, for a failed call's duration). */
  chat: Span | undefined;
  chatStarted = 0;
  readonly tools = new Map<string, ToolTrace>();
  /** The last tool call announced: the one a checkpoint pauses. */
  lastTool: ToolTrace | undefined;
  /** Set by `saveRunContext`: the run is pausing at this checkpoint. */
  pausing: string | undefined;
  /** The orchestration the run belongs to. */
  orchestrationId: string | undefined;
  inputTokens = 0;
  outputTokens = 0;

  constructor(
    readonly span: Span,
    readonly context: Context,
    readonly agentId: string,
  ) {}

  /** The key a tool call is found by: its call id, else its name. */
  static key(toolName: string, callId: string | undefined): string {
    return callId ?? toolName;
  }

  /** Ends every child span still open (a run that failed, paused or was shut down), marking why. */
  endChildren(reason: string, failed: boolean): void {
    const close = (span: Span): void => {
      span.setAttribute(ATTR.endedBy, reason);
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: `ended with the run (${reason})` });
      span.end();
    };
    if (this.chat) close(this.chat);
    this.chat = undefined;
    for (const tool of this.tools.values()) {
      if (tool.wait) close(tool.wait);
      close(tool.span);
    }
    this.tools.clear();
    this.lastTool = undefined;
  }

  /** Token totals on the run span, then the span ends. */
  end(): void {
    if (this.inputTokens > 0 || this.outputTokens > 0) {
      this.span.setAttribute(ATTR.inputTokens, this.inputTokens);
      this.span.setAttribute(ATTR.outputTokens, this.outputTokens);
    }
    this.span.end();
  }
}
