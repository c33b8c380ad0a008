export { RunRecorder } from "./recorder.js";
export type { RunRecorderOptions } from "./recorder.js";
export { replay } from "./replay.js";
export type { ReplayEngine, ReplayOptions, ReplayRunResult, ReplaySetup } from "./replay.js";
export type { Divergence, DivergenceKind, ReplayReport } from "./divergence.js";
export { readRecording, RECORDING_FORMAT, RECORDING_VERSION, RecordingInvalidError } from "./format.js";
export type {
  RecordedDecision,
  RecordedEntry,
  RecordedRunEvent,
  RecordedModelCall,
  RecordedToolResult,
  Recording,
} from "./format.js";
