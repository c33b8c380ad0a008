import { InvalidOptionsError } from "@cortex/primitives";
import type { MeterProvider, TracerProvider } from "@opentelemetry/api";

/** What the extension needs of a plugin registry: its actions' tiers (a `PluginRegistry` fits). */
export interface ActionSource {
  listActions(): readonly { readonly plugin: string; readonly name: string; readonly tier: string }[];
}

/** Options of `new OpenTelemetryExtension(options)`. */
export interface OpenTelemetryOptions {
  /** The extension's name on the hook bus. Default `"opentelemetry"`. */
  name?: string;
  /** Where spans go; default the global provider (`trace.setGlobalTracerProvider`, or the SDK's `register()`). */
  tracerProvider?: TracerProvider;
  /** Where metrics go; default the global provider. */
  meterProvider?: MeterProvider;
  /** `gen_ai.request.model` of the chat spans, e.g. `"gpt-4o-mini"`; chat spans are named `chat <model>`. */
  model?: string;
  /** `gen_ai.provider.name`, e.g. `"openai"`. Default `"_OTHER"`, as the conventions say for an unknown provider. */
  provider?: string;
  /** Read for `cortex.tool.tier` of each tool span; a `PluginRegistry` fits. */
  plugins?: ActionSource;
  /**
   * Record prompts, answers, tool arguments and results on spans. Default
   * false: only names, ids, counts and timings are recorded.
   */
  captureContent?: boolean;
  /** Texts removed from recorded content (and error messages), e.g. the values a broker handed out. Read at each write. */
  secrets?: Iterable<string> | (() => Iterable<string>);
  /** Longest recorded content, in characters; longer content is cut and marked. Default 8192. */
  maxContentLength?: number;
}

/** Defaults of {@link OpenTelemetryOptions}. */
export const OTEL_DEFAULTS = {
  name: "opentelemetry",
  provider: "_OTHER",
  captureContent: false,
  maxContentLength: 8192,
} as const;

const KNOWN = new Set([
  "name",
  "tracerProvider",
  "meterProvider",
  "model",
  "provider",
  "plugins",
  "captureContent",
  "secrets",
  "maxContentLength",
]);

const optionalString = (options: Record<string, unknown>, key: string): void => {
  const value = options[key];
  if (value !== undefined && (typeof value !== "string" || value === "")) {
    throw new InvalidOptionsError(key, `OpenTelemetryExtension option "${key}" must be a non-empty string`);
  }
};

const hasMethod = (value: unknown, method: string): boolean =>
  typeof value === "object" && value !== null && typeof (value as Record<string, unknown>)[method] === "function";

/** Checks the options once, at construction; throws `CORTEX_INVALID_OPTIONS` naming the option at fault. */
export function checkOptions(options: unknown): OpenTelemetryOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidOptionsError("options", "OpenTelemetryExtension options must be an object");
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN.has(key)) throw new InvalidOptionsError(key, `OpenTelemetryExtension has no option "${key}"`);
  }
  for (const key of ["name", "model", "provider"]) optionalString(given, key);
  const checks: [string, string][] = [
    ["tracerProvider", "getTracer"],
    ["meterProvider", "getMeter"],
    ["plugins", "listActions"],
  ];
  for (const [key, method] of checks) {
    if (given[key] !== undefined && !hasMethod(given[key], method)) {
      throw new InvalidOptionsError(key, `OpenTelemetryExtension option "${key}" needs a ${method}() method`);
    }
  }
  if (given.captureContent !== undefined && typeof given.captureContent !== "boolean") {
    throw new InvalidOptionsError("captureContent", 'OpenTelemetryExtension option "captureContent" must be a boolean');
  }
  const max = given.maxContentLength;
  if (max !== undefined && (typeof max !== "number" || !Number.isInteger(max) || max < 1)) {
    throw new InvalidOptionsError(
      "maxContentLength",
      'OpenTelemetryExtension option "maxContentLength" must be a whole number above 0',
    );
  }
  const secrets = given.secrets;
  if (
    secrets !== undefined &&
    typeof secrets !== "function" &&
    (typeof secrets !== "object" || secrets === null || !(Symbol.iterator in secrets))
  ) {
    throw new InvalidOptionsError(
      "secrets",
      'OpenTelemetryExtension option "secrets" must be a list of strings or a function returning one',
    );
  }
  return given;
}
