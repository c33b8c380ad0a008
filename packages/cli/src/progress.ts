import type { ModelClient, ModelRequest, ModelResponse } from "@cortex/core";
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
import { compact, duration, printIssues, summarize, type Printer } from "./output.js";

/**
 * Prints a run as it happens: each step, each tool call with its arguments,
 * each result or failure, and checkpoints. Hooks run synchronously in the
 * pipeline, so lines appear in the order things happen.
 */
export class ProgressExtension implements Extension {
  readonly name = "cli-progress";

  constructor(private readonly p: Printer) {}

  onStepStarted(event: StepStartedEvent): void {
    this.p.line(this.p.style("bold", `Step ${event.stepIndex + 1}`));
  }

  onToolCalled(event: ToolCalledEvent): void {
    this.p.line(
      `  ${this.p.style("cyan", "→")} ${this.p.style("cyan", this.p.clean(event.toolName))} ${this.p.style("dim", this.p.clean(compact(event.args, 200)))}`,
    );
  }

  onToolCompleted(event: ToolCompletedEvent): void {
    const data = (event.result as { data?: unknown } | undefined)?.data;
    const shown = data === undefined ? "" : ` ${this.p.clean(summarize(data))}`;
    this.p.line(
      `  ${this.p.style("green", "✓")} ${this.p.clean(event.toolName)} ${this.p.style("dim", `(${duration(event.elapsedMs)})`)}${shown}`,
    );
  }

  onToolFailed(event: ToolFailedEvent): void {
    const error = (event.error ?? {}) as {
      code?: string;
      message?: string;
      issues?: { path: string; message: string }[];
    };
    if (error.code === "CORTEX_APPROVAL_DENIED") {
      // The decision line just above says who denied it and why.
      this.p.line(
        `  ${this.p.style("red", "✗")} ${event.toolName} ${this.p.style("dim", "[CORTEX_APPROVAL_DENIED]")} not run`,
      );
      return;
    }
    this.p.line(
      `  ${this.p.style("red", "✗")} ${event.toolName} ${this.p.style("dim", `[${this.p.clean(String(error.code ?? "CORTEX_TOOL_FAILED"))}]`)} ${this.p.clean(String(error.message ?? ""))}`,
    );
    if (Array.isArray(error.issues)) printIssues(this.p, error.issues);
    // The engine refuses a forbidden ADMIN call before any checkpoint, so this is where the user learns the flag.
    if (error.code === "CORTEX_FORBIDDEN") this.p.line(this.p.style("dim", `    hint: ${hintForCode(error.code)}`));
  }

  onCheckpointCreated(event: CheckpointCreatedEvent): void {
    this.p.line(
      `  ${this.p.style("yellow", "⏸")} checkpoint ${this.p.style("dim", event.checkpointId)}: ${this.p.clean(event.reason)}`,
    );
  }

  onCheckpointResolved(event: CheckpointResolvedEvent): void {
    const { approved, decidedBy, reason } = event.decision;
    const by = decidedBy ? ` by ${this.p.clean(decidedBy)}` : "";
    const why = reason ? ` (${this.p.clean(reason)})` : "";
    const mark = approved ? this.p.style("green", "✓ approved") : this.p.style("red", "✗ denied");
    this.p.line(`  ${mark}${by}${why}`);
  }
}

/** Wraps a model so the text it says alongside tool calls is printed (its final answer is printed by the command). */
export function narrated(model: ModelClient, p: Printer): ModelClient {
  return {
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const response = await model.generate(request);
      const text = typeof response?.content === "string" ? response.content.trim() : "";
      if (text !== "" && (response.toolCalls?.length ?? 0) > 0)
        p.line(`  ${p.style("magenta", "“")}${p.clean(text)}${p.style("magenta", "”")}`);
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
