import type { ApprovalDecision, Extension } from "@cortex/hooks";
import type { Plugin } from "@cortex/plugins";
import type { ModelClient } from "@cortex/primitives";
import { firstDifference } from "./diff.js";
import { shown, type Divergence, type DivergenceKind, type ReplayReport } from "./divergence.js";
import { readRecording, type RecordedRunEvent, type Recording } from "./format.js";
import { replayModel, replayPlugins, ReplayLog } from "./replay-parts.js";

/** What `replay` needs of an engine: `@cortex/core`'s `Engine` fits. */
export interface ReplayEngine {
  run(agentId: string, input: never, options?: { sessionId?: string }): Promise<ReplayRunResult>;
  resolveCheckpoint(checkpointId: string, decision: ApprovalDecision): Promise<ReplayRunResult>;
  shutdown?(): Promise<unknown>;
}

/** What `replay` reads of a run's result. */
export interface ReplayRunResult {
  status: string;
  checkpoint?: { id: string };
}

/** What the setup gets to build the engine of a replay. */
export interface ReplaySetup {
  /** The model to give the engine: it answers with the recorded answers. */
  model: ModelClient;
  /** The extension to register: the replay's events are compared through it. */
  extension: Extension;
  /** Wrap each plugin before registering it: recorded results (or the real plugin with `livePlugins`). */
  plugin: (plugin: Plugin) => Plugin;
  /** An engine approver answering with the recorded decisions, for an engine recorded with an inline approver. */
  approver: () => ApprovalDecision;
  recording: Recording;
}

/** Options of `replay`. */
export interface ReplayOptions {
  /** Builds the engine as the recorded one was built (agents, personas, plugins), with what `replay` hands it. */
  setup(context: ReplaySetup): ReplayEngine | Promise<ReplayEngine>;
  /** Run the real plugins instead of returning recorded results. Default false. */
  livePlugins?: boolean;
}

const KIND_OF: Partial<Record<string, DivergenceKind>> = {
  toolCalled: "tool-call",
  checkpointCreated: "tier",
  checkpointResolved: "tier",
};

/**
 * Replays a recording (from `RunRecorder`, or `cortex run --record`): runs
 * the real engine the setup builds, with a model that answers as recorded,
 * plugins that return the recorded results and the recorded checkpoint
 * decisions, and reports the first divergence: a model request that
 * differs (messages, tools offered), another tool call or arguments,
 * another tier decision, a missing or extra event (by `seq`). Throws
 * `CORTEX_RECORDING_INVALID` for a recording it cannot read.
 */
export async function replay(source: Recording | string, options: ReplayOptions): Promise<ReplayReport> {
  const recording = readRecording(source);
  const log = new ReplayLog();
  const model = replayModel(recording, log);
  const plugins = replayPlugins(recording, log, options.livePlugins === true);
  const decisions = [...recording.decisions];
  const nextDecision = (run: number): ApprovalDecision | undefined => {
    const decision = decisions.shift()?.decision;
    if (decision === undefined) {
      log.diverge({
        kind: "checkpoint-extra",
        run,
        message: `run ${run} paused at a checkpoint the recording has no decision for (it has ${recording.decisions.length})`,
      });
    }
    return decision;
  };
  const engine = await options.setup({
    model,
    extension: log.extension,
    plugin: plugins.wrap,
    approver: () => nextDecision(log.runs.size - 1) ?? { approved: false, reason: "not in the recording" },
    recording,
  });
  try {
    const { agentId, input, sessionId } = recording.entry;
    let result = await engine.run(agentId, input as never, sessionId === undefined ? {} : { sessionId });
    for (let turns = 0; result.status === "awaiting_approval" && result.checkpoint && turns < 1000; turns++) {
      const decision = nextDecision(log.runs.size - 1) ?? { approved: false, reason: "not in the recording" };
      result = await engine.resolveCheckpoint(result.checkpoint.id, decision);
    }
  } finally {
    await engine.shutdown?.();
  }
  const found = [...log.divergences.map(({ divergence }) => divergence), ...compareEvents(recording, log.events)];
  found.sort((a, b) => a.run - b.run || (a.seq ?? 0) - (b.seq ?? 0) || rank(a) - rank(b));
  return {
    ok: found.length === 0,
    ...(found[0] === undefined ? {} : { divergence: found[0] }),
    divergences: found,
    counts: { modelCalls: model.used, toolCalls: plugins.used(), events: log.events.length },
  };
}

/** At one place, what the engine was asked (model, tool) comes before the events it then emitted. */
const rank = (divergence: Divergence): number => (divergence.hook === undefined ? 0 : 1);

/** The first differing event of each run, recorded against replayed, by position in `seq` order. */
function compareEvents(recording: Recording, replayed: RecordedRunEvent[]): Divergence[] {
  const byRun = (events: RecordedRunEvent[]) => {
    const runs = new Map<number, RecordedRunEvent[]>();
    for (const event of events) (runs.get(event.run) ?? runs.set(event.run, []).get(event.run)!).push(event);
    for (const list of runs.values()) list.sort((a, b) => a.seq - b.seq);
    return runs;
  };
  const expected = byRun(recording.events);
  const actual = byRun(replayed);
  const found: Divergence[] = [];
  const runs = Math.max(recording.runs.length, ...[...expected.keys(), ...actual.keys()].map((run) => run + 1));
  for (let run = 0; run < runs; run++) {
    const want = expected.get(run) ?? [];
    const got = actual.get(run) ?? [];
    for (let i = 0; i < Math.max(want.length, got.length); i++) {
      const divergence = eventDivergence(run, recording.runs[run]?.agentId, want[i], got[i]);
      if (divergence) {
        found.push(divergence);
        break;
      }
    }
  }
  return found;
}

function eventDivergence(
  run: number,
  agentId: string | undefined,
  want: RecordedRunEvent | undefined,
  got: RecordedRunEvent | undefined,
): Divergence | undefined {
  const at = `run ${run}${agentId === undefined ? "" : ` (agent "${agentId}")`}`;
  const hook = got?.hook ?? want!.hook;
  const kind: DivergenceKind = KIND_OF[want?.hook ?? ""] ?? KIND_OF[got?.hook ?? ""] ?? "event";
  const base = { kind, run, ...(agentId === undefined ? {} : { agentId }), hook };
  if (want === undefined) {
    return { ...base, seq: got!.seq, actual: got, message: `${at}: extra event ${got!.hook} at seq ${got!.seq}` };
  }
  if (got === undefined) {
    return { ...base, seq: want.seq, expected: want, message: `${at}: missing event ${want.hook} at seq ${want.seq}` };
  }
  if (want.hook !== got.hook) {
    return {
      ...base,
      seq: got.seq,
      expected: want.hook,
      actual: got.hook,
      message: `${at}: at seq ${got.seq} the recording has ${want.hook}, the replay ${got.hook}`,
    };
  }
  const difference = firstDifference(want.event, got.event);
  if (difference === undefined) return undefined;
  const path = difference.path.replace(/^\./, "");
  return {
    ...base,
    seq: got.seq,
    path,
    expected: difference.expected,
    actual: difference.actual,
    message: `${at}: ${got.hook} at seq ${got.seq} differs at ${path}: recorded ${shown(difference.expected)}, now ${shown(difference.actual)}`,
  };
}
