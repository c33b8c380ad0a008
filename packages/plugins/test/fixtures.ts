import {
  ActionTier,
  PluginHealthStatus,
  PluginRegistry,
  type CredentialBroker,
  type Logger,
  type Plugin,
  type PluginActionInfo,
  type PluginHealthReport,
  type PluginRegistryOptions,
  type PluginResult,
} from "../src/index.js";

/** A fake calendar client, standing in for the spec's MyCalendarClient. */
export class MyCalendarClient {
  static readonly instances: MyCalendarClient[] = [];
  readonly events: { id: string; [k: string]: unknown }[] = [];
  closed = false;
  constructor(readonly apiKey: string) {
    MyCalendarClient.instances.push(this);
  }
  async list(start: string, end: string) {
    return this.events.filter((e) => String(e.start) >= start && String(e.start) <= end);
  }
  async create(params: Record<string, unknown>) {
    const event = { id: `evt-${this.events.length + 1}`, ...params };
    this.events.push(event);
    return event;
  }
  async ping() {
    if (this.closed) throw new Error("client closed");
  }
  async close() {
    this.closed = true;
  }
}

/** The spec's CalendarPlugin, translated line by line (no third argument, no context). */
export class CalendarPlugin {
  name = "calendar";
  version = "1.0.0";
  description = "Read and write calendar events";
  private _client: MyCalendarClient | null = null;

  async setup(broker: CredentialBroker): Promise<void> {
    const apiKey = await broker.get("calendar_api_key");
    this._client = new MyCalendarClient(apiKey);
  }

  async teardown(): Promise<void> {
    if (this._client) await this._client.close();
  }

  listActions(): PluginActionInfo[] {
    return [
      {
        name: "list_events",
        description: "List calendar events for a date range",
        tier: ActionTier.AUTO,
        parameters: {
          type: "object",
          properties: {
            start: { type: "string", description: "ISO date" },
            end: { type: "string", description: "ISO date" },
          },
          required: ["start", "end"],
        },
      },
      { name: "create_event", description: "Create a calendar event", tier: ActionTier.CONFIRM },
    ];
  }

  async executeAction(action: string, params: Record<string, unknown>): Promise<PluginResult> {
    if (action === "list_events") {
      const events = await this._client!.list(params.start as string, params.end as string);
      return { success: true, data: { events } };
    }
    if (action === "create_event") {
      const event = await this._client!.create(params);
      return { success: true, data: { event_id: event.id } };
    }
    return { success: false, error: `Unknown action: ${action}` };
  }

  async health(): Promise<PluginHealthReport> {
    try {
      await this._client!.ping();
      return { plugin: this.name, status: PluginHealthStatus.HEALTHY };
    } catch (e) {
      return { plugin: this.name, status: PluginHealthStatus.UNHEALTHY, error: String(e) };
    }
  }
}

/** A log line captured by {@link recordingLogger}. */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields?: Record<string, unknown>;
}

/** A logger that keeps every line, for assertions. */
export function recordingLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  return {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    text: () => JSON.stringify(lines),
  };
}

/** A configurable plugin that counts calls. */
export interface TestPlugin extends Plugin {
  calls: { action: string; params: Record<string, unknown> }[];
  setups: number;
  teardowns: number;
}

/** Builds a plugin; `overrides` replace any member. */
export function makePlugin(overrides: Partial<Plugin> & { actions?: PluginActionInfo[] } = {}): TestPlugin {
  const { actions, ...rest } = overrides;
  const plugin: TestPlugin = {
    name: "test",
    version: "1.0.0",
    description: "a test plugin",
    calls: [],
    setups: 0,
    teardowns: 0,
    async setup() {
      plugin.setups++;
    },
    async teardown() {
      plugin.teardowns++;
    },
    listActions: () =>
      actions ?? [
        { name: "echo", description: "echo params", tier: ActionTier.AUTO },
        {
          name: "typed",
          description: "typed params",
          tier: ActionTier.AUTO,
          parameters: {
            type: "object",
            properties: { a: { type: "string" }, n: { type: "integer", minimum: 0 } },
            required: ["a", "n"],
            additionalProperties: false,
          },
        },
        { name: "confirm", description: "needs approval", tier: ActionTier.CONFIRM },
        { name: "admin", description: "needs admin", tier: ActionTier.ADMIN },
      ],
    async executeAction(action, params) {
      plugin.calls.push({ action, params });
      return { success: true, data: params };
    },
    health: () => ({ plugin: "test", status: PluginHealthStatus.HEALTHY }),
    ...rest,
  };
  return plugin;
}

/** A registry with a silent recording logger and small timeouts. */
export function makeRegistry(options: Partial<PluginRegistryOptions> = {}) {
  const logger = recordingLogger();
  const registry = new PluginRegistry({
    broker: { get: (key) => Promise.reject(new Error(`no ${key}`)) },
    logger,
    timeoutMs: 1_000,
    setupTimeoutMs: 1_000,
    healthTimeoutMs: 1_000,
    approvalTimeoutMs: 1_000,
    shutdownTimeoutMs: 1_000,
    ...options,
  });
  return { registry, logger };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * fast-check parameters: a fixed seed when `CI` is set, so a run can be
 * repeated exactly; a random one otherwise, logged so a failure can be
 * replayed (`seed` in the failure report too). Properties that build a
 * registry per run get a generous vitest timeout: a loaded machine slows
 * them, and a timeout is no verdict on the property.
 */
export function propertyRuns(name: string, numRuns: number): { seed: number; numRuns: number } {
  const seed = process.env.CI ? 20_260_601 : Math.floor(Math.random() * 2 ** 31);
  console.log(`fast-check seed for "${name}": ${seed}`);
  return { seed, numRuns };
}
