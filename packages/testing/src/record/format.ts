import { CortexError, isPlainObject, type ModelResponse, type ModelStreamPart } from "@cortex/primitives";
import type { ApprovalDecision, HookName } from "@cortex/hooks";
import type { PluginResult } from "@cortex/plugins";

/** The `format` of every recording file. */
export const RECORDING_FORMAT = "cortex-recording";
/** The version of the recording format this package writes and reads. */
export const RECORDING_VERSION = 1;

/** How the recorded work was started: one `engine.run`. */
export interface RecordedEntry {
  agentId: string;
  /** The run's input: a string or a list of messages. */
  input: unknown;
  /** The session the run continued, when it had one. */
  sessionId?: string;
}

/** One model call: what was asked (the request as the model saw it) and what came back. */
export interface RecordedModelCall {
  /** Which run (index into `runs`) asked. */
  run: number;
  agentId: string;
  stepIndex: number;
  request: { messages: unknown[]; tools: unknown[]; responseFormat?: unknown };
  /** The whole answer, for `generate`. */
  response?: ModelResponse;
  /** The streamed parts, in order, for `stream`. */
  stream?: ModelStreamPart[];
  /** How the call failed, when it did. */
  error?: { code?: string; message: string };
}

/** What a tool call returned (or how the plugin failed), as the plugin gave it. */
export interface RecordedToolResult {
  run: number;
  toolName: string;
  toolCallId?: string;
  result: PluginResult;
}

/** The decision a checkpoint was resolved with, in the order they were made. */
export interface RecordedDecision {
  run: number;
  toolName?: string;
  decision: ApprovalDecision;
}

/** One hook event of a run, without what changes from run to run (ids, times). */
export interface RecordedRunEvent {
  run: number;
  seq: number;
  hook: HookName;
  event: Record<string, unknown>;
}

/** A recorded run, as a versioned JSON document (see the package README, "Record and replay"). */
export interface Recording {
  format: typeof RECORDING_FORMAT;
  version: typeof RECORDING_VERSION;
  /** When the recording started (ISO 8601). */
  recordedAt: string;
  /** Free JSON the recording host adds (the CLI keeps its agent's settings here). */
  host?: Record<string, unknown>;
  entry: RecordedEntry;
  /** The runs, in the order they started: ids and agents. Other fields refer to them by index. */
  runs: { runId: string; agentId: string }[];
  modelCalls: RecordedModelCall[];
  toolResults: RecordedToolResult[];
  decisions: RecordedDecision[];
  events: RecordedRunEvent[];
}

/** A recording file that is not a recording this version can replay: not JSON, another format or version, a missing part. */
export class RecordingInvalidError extends CortexError<"CORTEX_RECORDING_INVALID"> {
  constructor(message: string) {
    super("CORTEX_RECORDING_INVALID", message);
  }
}

const LISTS = ["runs", "modelCalls", "toolResults", "decisions", "events"] as const;

/** Reads a recording from its JSON text (or parsed JSON); throws `CORTEX_RECORDING_INVALID` saying what is wrong. */
export function readRecording(source: unknown): Recording {
  let value: unknown = source;
  if (typeof source === "string") {
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new RecordingInvalidError(`the recording is not JSON: ${(error as Error).message}`);
    }
  }
  if (!isPlainObject(value)) throw new RecordingInvalidError("a recording is a JSON object");
  if (value.format !== RECORDING_FORMAT) {
    throw new RecordingInvalidError(`not a Cortex recording: "format" is ${JSON.stringify(value.format)}`);
  }
  if (value.version !== RECORDING_VERSION) {
    throw new RecordingInvalidError(
      `recording version ${JSON.stringify(value.version)} cannot be replayed by this version (it reads ${RECORDING_VERSION})`,
    );
  }
  const entry = value.entry;
  if (!isPlainObject(entry) || typeof entry.agentId !== "string") {
    throw new RecordingInvalidError('the recording has no "entry" with the agentId of the run it started with');
  }
  for (const list of LISTS) {
    if (!Array.isArray(value[list])) throw new RecordingInvalidError(`the recording's "${list}" is not a list`);
  }
  return value as unknown as Recording;
}
