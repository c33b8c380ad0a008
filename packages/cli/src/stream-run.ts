import type { Engine, RunResult, RunStream, RunStreamEvent } from "@cortex/core";
import type { PluginRegistry, Principal } from "@cortex/plugins";
import type { ApprovalMode } from "./approval-prompt.js";
import { decideCheckpoint } from "./drive.js";
import type { CliIO } from "./io.js";
import type { Printer } from "./printer.js";

/** Options of {@link streamRun}. */
export interface StreamRunOptions {
  io: CliIO;
  /** Where the exact call is shown before a prompt (stderr). */
  prompt: Printer;
  /** Where the answer's text, or the JSON Lines, go (stdout). */
  out: Printer;
  /** One event per line as JSON (JSON Lines) instead of the answer's text. */
  json: boolean;
  mode: ApprovalMode;
  principal?: Principal;
  signal?: AbortSignal;
  /** The registry the engine runs plugins with: asked for the preview of each paused call. */
  registry?: PluginRegistry;
}

/**
 * Runs an agent to its end through `engine.stream`, printing on `out` as
 * it goes: the model's text delta by delta (each step's text ends its line),
 * or with `json` every event as one line of JSON. Each time the run pauses
 * at a checkpoint the call is decided (asked, approved by `--yes`, or
 * refused without a terminal) and `engine.resolveCheckpointStream` goes on,
 * printing the same way. Resolves with the last result.
 */
export async function streamRun(
  engine: Engine,
  agentId: string,
  input: string,
  options: StreamRunOptions,
): Promise<RunResult> {
  const { out, json, principal, signal } = options;
  const show = json ? (event: RunStreamEvent) => out.jsonLine(event) : textShower(out);
  let stream: RunStream = engine.stream(agentId, input, {
    ...(signal ? { signal } : {}),
    ...(principal ? { principal } : {}),
  });
  for (;;) {
    let result: RunResult | undefined;
    for await (const event of stream) {
      show(event);
      if (event.type === "finish") result = event.result;
    }
    // A stream always ends with its finish event; without one the engine broke its contract.
    if (result === undefined) throw new Error("the run's stream ended without a finish event");
    const cp = result.checkpoint;
    if (result.status !== "awaiting_approval" || cp === undefined) return result;
    const decision = await decideCheckpoint(cp, options);
    stream = engine.resolveCheckpointStream(cp.id, decision, signal ? { signal } : {});
  }
}

/** Prints text deltas as they come; a step's text that did not end its line is ended when the step ends. */
function textShower(out: Printer): (event: RunStreamEvent) => void {
  let open = false;
  return (event) => {
    if (event.type === "text-delta") {
      out.text(event.text);
      open = !/[\n\r\u0085\u2028\u2029]$/.test(event.text);
    } else if (open && (event.type === "step-finish" || event.type === "finish")) {
      out.line();
      open = false;
    }
  };
}
