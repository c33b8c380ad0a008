export { FakeBroker } from "./fake-broker.js";
export { RecordingExtension } from "./recording-extension.js";
export type { RecordedEvent } from "./recording-extension.js";
export { ScriptedModel, ScriptExhaustedError } from "./scripted-model.js";
export type { ScriptedMessage, ScriptedRequest, ScriptedResponse, ScriptStep } from "./scripted-model.js";
