import type { ModelClient, ModelRequest, ModelResponse } from "@cortex/primitives";
import type {
  CheckpointCreatedEvent,
  CheckpointResolvedEvent,
  Extension,
  StepStartedEvent,
  ToolCalledEvent,
  ToolCompletedEvent,
  ToolFailedEvent,
} from "@cortex/hooks";
import { hintForCode } from "./hints.js";
import { compact, duration, printIssues, summarize } from "./output.js";
import { text, type Printer } from "./printer.js";

/**
 * Prints a run as it happens: each step, each tool call with its arguments,
 * each result or failure, and checkpoints. Hooks run synchronously in the
 * pipeline, so lines appear in the order things happen.
 */
export class ProgressExtension implements Extension {
  readonly name = "cli-progress";

  constructor(private readonly p: Printer) {}

  onStepStarted(event: StepStartedEvent): void {
    this.p.line(text`${this.p.style("bold", `Step ${event.stepIndex + 1}`)}`);
  }

  onToolCalled(event: ToolCalledEvent): void {
    const { p } = this;
    p.line(
      text`  ${p.style("cyan", "→")} ${p.style("cyan", event.toolName)} ${p.style("dim", compact(event.args, 200))}`,
    );
  }

  onToolCompleted(event: ToolCompletedEvent): void {
    const { p } = this;
    const data = (event.result as { data?: unknown } | undefined)?.data;
    const shown = data === undefined ? "" : ` ${summarize(data)}`;
    p.line(
      text`  ${p.style("green", "✓")} ${event.toolName} ${p.style("dim", `(${duration(event.elapsedMs)})`)}${shown}`,
    );
  }

  onToolFailed(event: ToolFailedEvent): void {
    const { p } = this;
    const error = (event.error ?? {}) as {
      code?: string;
      message?: string;
      issues?: { path: string; message: string }[];
    };
    if (error.code === "CORTEX_APPROVAL_DENIED") {
      // The decision line just above says who denied it and why.
      p.line(text`  ${p.style("red", "✗")} ${event.toolName} ${p.style("dim", "[CORTEX_APPROVAL_DENIED]")} not run`);
      return;
    }
    const code = String(error.code ?? "CORTEX_TOOL_FAILED");
    p.line(
      text`  ${p.style("red", "✗")} ${event.toolName} ${p.style("dim", `[${code}]`)} ${String(error.message ?? "")}`,
    );
    if (Array.isArray(error.issues)) printIssues(p, error.issues);
    // The engine refuses a forbidden ADMIN call before any checkpoint, so this is where the user learns the flag.
    if (error.code === "CORTEX_FORBIDDEN")
      p.line(text`${p.style("dim", `    hint: ${hintForCode(error.code) ?? ""}`)}`);
  }

  onCheckpointCreated(event: CheckpointCreatedEvent): void {
    const { p } = this;
    p.line(text`  ${p.style("yellow", "⏸")} checkpoint ${p.style("dim", event.checkpointId)}: ${event.reason}`);
  }

  onCheckpointResolved(event: CheckpointResolvedEvent): void {
    const { p } = this;
    const { approved, decidedBy, reason } = event.decision;
    const by = decidedBy ? ` by ${decidedBy}` : "";
    const why = reason ? ` (${reason})` : "";
    const mark = approved ? p.style("green", "✓ approved") : p.style("red", "✗ denied");
    p.line(text`  ${mark}${by}${why}`);
  }
}

/** Wraps a model so the text it says alongside tool calls is printed (its final answer is printed by the command). */
export function narrated(model: ModelClient, p: Printer): ModelClient {
  return {
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const response = await model.generate(request);
      const said = typeof response?.content === "string" ? response.content.trim() : "";
      if (said !== "" && (response.toolCalls?.length ?? 0) > 0)
        p.line(text`  ${p.style("magenta", "“")}${said}${p.style("magenta", "”")}`);
      return response;
    },
  };
}

/** Counts checkpoint decisions, for summaries. */
export class DecisionTally implements Extension {
  readonly name = "cli-decisions";
  approved = 0;
  denied = 0;

  onCheckpointResolved(event: CheckpointResolvedEvent): void {
    if (event.decision.approved) this.approved += 1;
    else this.denied += 1;
  }
}
