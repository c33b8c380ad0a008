export { OpenTelemetryExtension } from "./extension.js";
export type { RunRef } from "./checkpoint-spans.js";
export { OTEL_DEFAULTS } from "./options.js";
export type { ActionSource, OpenTelemetryOptions } from "./options.js";
export { ATTR, EVENT, METRIC, OPERATION } from "./attributes.js";
export { OTEL_ERRORS } from "./errors.js";
export type { OtelErrorCode } from "./errors.js";
export { REDACTED } from "./content.js";
