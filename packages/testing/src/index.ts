export { checkPluginContract, CONTRACT_CHECKS, runContractCheck } from "./contract.js";
export type {
  ContractCheckName,
  ContractCheckResult,
  ContractReport,
  PluginContractOptions,
  PluginFactory,
} from "./contract.js";
export { TESTING_DEFAULTS } from "./defaults.js";
export { HarnessUsageError, ScriptExhaustedError, TESTING_ERRORS } from "./errors.js";
export type { TestingErrorCode } from "./errors.js";
export { FakeBroker } from "./fake-broker.js";
export type { FakeBrokerOptions } from "./fake-broker.js";
export { createPluginHarness, HARNESS_ADMIN } from "./harness.js";
export type {
  HarnessActionName,
  HarnessExecuteOptions,
  HarnessLogEntry,
  PluginHarness,
  PluginHarnessOptions,
  PluginSource,
} from "./harness.js";
export { RecordingExtension } from "./recording-extension.js";
export type { RecordedEvent } from "./recording-extension.js";
export { ScriptedModel } from "./scripted-model.js";
export type { ScriptedModelOptions, ScriptedRequest, ScriptedStream, ScriptStep } from "./scripted-model.js";
export {
  readRecording,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  RecordingInvalidError,
  replay,
  RunRecorder,
} from "./record/index.js";
export type {
  Divergence,
  DivergenceKind,
  RecordedDecision,
  RecordedEntry,
  RecordedRunEvent,
  RecordedModelCall,
  RecordedToolResult,
  Recording,
  ReplayEngine,
  ReplayOptions,
  ReplayReport,
  ReplayRunResult,
  ReplaySetup,
  RunRecorderOptions,
} from "./record/index.js";
