import type { HookBus, HookEvent, HookName } from "@cortex/hooks";
import type { ApprovalDecision } from "@cortex/plugins";

/**
 * Emits the engine's tool and checkpoint hooks for the calls of one MCP
 * session, so `AuditExtension` and `MetricsExtension` record MCP calls like
 * engine calls. Every event carries the session's run id and a `seq` that
 * counts the session's events from 1; tool events also carry `toolCallId`.
 */
export class SessionHooks {
  #seq = 0;

  constructor(
    private readonly bus: HookBus | undefined,
    /** The run id of this MCP session: `mcp-<session id>`. */
    readonly runId: string,
  ) {}

  /** A tool call was received (before its approval and validation). */
  toolCalled(toolName: string, args: unknown, toolCallId: string): void {
    this.#emit("toolCalled", { runId: this.runId, toolName, args }, { toolCallId });
  }

  /** A tool call succeeded. */
  toolCompleted(toolName: string, result: unknown, elapsedMs: number, toolCallId: string): void {
    this.#emit("toolCompleted", { runId: this.runId, toolName, result, elapsedMs }, { toolCallId });
  }

  /** A tool call failed, was refused or was denied. */
  toolFailed(toolName: string, error: { code: string; message: string }, toolCallId: string): void {
    this.#emit("toolFailed", { runId: this.runId, toolName, error }, { toolCallId });
  }

  /** The user is asked to approve a call (the checkpoint id is the call's approval id). */
  checkpointCreated(checkpointId: string, reason: string): void {
    this.#emit("checkpointCreated", { checkpointId, runId: this.runId, reason }, {});
  }

  /** The user answered. */
  checkpointResolved(checkpointId: string, decision: ApprovalDecision): void {
    this.#emit("checkpointResolved", { checkpointId, decision }, { runId: this.runId });
  }

  #emit<H extends HookName>(hook: H, event: HookEvent<H>, extra: Record<string, unknown>): void {
    if (this.bus === undefined) return;
    this.#seq += 1;
    this.bus.emit(hook, Object.assign({}, event, extra, { seq: this.#seq }));
  }
}
