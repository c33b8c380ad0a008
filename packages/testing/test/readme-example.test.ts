import {
  ActionTier,
  PluginHealthStatus,
  type CredentialBroker,
  type Plugin,
  type PluginActionInfo,
  type PluginHealthReport,
  type PluginResult,
} from "@cortex/plugins";
import { createPluginHarness, FakeBroker, type PluginHarness } from "@cortex/testing";
import { describePluginContract, usePluginHarness } from "@cortex/testing/vitest";
import { afterEach, beforeEach, describe, expect, it, test } from "vitest";

// The plugin under test. In your package it lives in src/ and is imported.
class CalendarPlugin implements Plugin {
  readonly name = "calendar";
  readonly version = "1.0.0";
  readonly description = "Read and write calendar events";
  private events: { id: string; title: string; start: string }[] | undefined;

  async setup(broker: CredentialBroker): Promise<void> {
    await broker.get("calendar_api_key"); // a real plugin builds its API client with it
    this.events = [{ id: "e1", title: "Standup", start: "2026-06-02" }];
  }

  async teardown(): Promise<void> {
    this.events = undefined; // safe to call twice
  }

  listActions(): PluginActionInfo[] {
    const date = { type: "string", format: "date" };
    return [
      {
        name: "list_events",
        description: "List calendar events for a date range",
        tier: ActionTier.AUTO,
        parameters: { type: "object", properties: { start: date, end: date }, required: ["start", "end"] },
      },
      {
        name: "create_event",
        description: "Create a calendar event",
        tier: ActionTier.CONFIRM,
        parameters: {
          type: "object",
          properties: { title: { type: "string", minLength: 1 }, start: date },
          required: ["title", "start"],
          additionalProperties: false,
        },
      },
      {
        name: "delete_event",
        description: "Delete a calendar event",
        tier: ActionTier.ADMIN,
        parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
      },
    ];
  }

  async executeAction(action: string, params: Record<string, unknown>): Promise<PluginResult> {
    if (!this.events) return { success: false, error: "calendar is not set up" };
    if (action === "list_events") {
      const [start, end] = [String(params.start), String(params.end)];
      return { success: true, data: { events: this.events.filter((e) => e.start >= start && e.start <= end) } };
    }
    if (action === "create_event") {
      const event = { id: `e${this.events.length + 1}`, title: String(params.title), start: String(params.start) };
      this.events.push(event);
      return { success: true, data: { event_id: event.id } };
    }
    if (action === "delete_event") {
      this.events = this.events.filter((e) => e.id !== params.id);
      return { success: true };
    }
    return { success: false, error: `Unknown action: ${action}` };
  }

  async health(): Promise<PluginHealthReport> {
    return this.events
      ? { plugin: this.name, status: PluginHealthStatus.HEALTHY }
      : { plugin: this.name, status: PluginHealthStatus.UNHEALTHY, error: "not set up" };
  }
}

// 1. The spec's example, in vitest: the plugin alone, with a FakeBroker.
describe("CalendarPlugin in isolation", () => {
  let broker: FakeBroker;
  let plugin: CalendarPlugin;

  beforeEach(async () => {
    broker = new FakeBroker({ calendar_api_key: "test-key" });
    plugin = new CalendarPlugin();
    await plugin.setup(broker);
  });

  afterEach(async () => {
    await plugin.teardown();
  });

  it("lists events", async () => {
    const result = await plugin.executeAction("list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(result.success).toBe(true);
    expect(broker.requestedKeys).toEqual(["calendar_api_key"]);
  });
});

// 2. The same plugin through a real PluginRegistry: validation and tiers
//    apply exactly as in production.
describe("CalendarPlugin through the harness", () => {
  const harness = usePluginHarness(() => new CalendarPlugin(), {
    credentials: { calendar_api_key: "test-key" },
  });
  const event = { title: "Review", start: "2026-06-03" };

  it("lists events (AUTO)", async () => {
    const result = await harness().execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
    expect(result).toMatchObject({ success: true, data: { events: [{ id: "e1" }] } });
  });

  it("rejects invalid params before the plugin runs", async () => {
    await expect(harness().execute("list_events", { start: "June" })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
      issues: [
        { path: "/end", message: "is required" },
        { path: "/start", message: 'must match format "date"' },
      ],
    });
  });

  it("creates an event only when approved (CONFIRM)", async () => {
    const h = harness();
    await expect(h.execute("create_event", event)).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    await expect(h.execute("create_event", event, { approve: false, reason: "no" })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_DENIED",
    });
    await expect(h.execute("create_event", event, { approve: true })).resolves.toEqual({
      success: true,
      data: { event_id: "e2" },
    });
  });

  it("deletes only as an admin, with approval (ADMIN)", async () => {
    const h = harness();
    await expect(h.execute("delete_event", { id: "e1" }, { approve: true })).rejects.toMatchObject({
      code: "CORTEX_FORBIDDEN",
    });
    await expect(h.execute("delete_event", { id: "e1" }, { approve: true, admin: true })).resolves.toEqual({
      success: true,
    });
  });

  it("reports health", async () => {
    await expect(harness().health()).resolves.toEqual({ plugin: "calendar", status: "HEALTHY" });
  });
});

// 2b. The harness as a fixture, like the spec's pytest fixture.
const calendarTest = test.extend<{ harness: PluginHarness<CalendarPlugin> }>({
  // eslint-disable-next-line no-empty-pattern -- vitest wants a destructuring pattern here
  harness: async ({}, use) => {
    const harness = await createPluginHarness(new CalendarPlugin(), {
      credentials: { calendar_api_key: "test-key" },
    });
    await use(harness);
    await harness.teardown();
  },
});

calendarTest("lists events through a fixture", async ({ harness }) => {
  const result = await harness.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
  expect(result.success).toBe(true);
  expect(harness.broker.requestedKeys).toEqual(["calendar_api_key"]);
});

// 3. The contract every plugin must satisfy: one test per check.
describePluginContract("CalendarPlugin contract", () => new CalendarPlugin(), {
  credentials: { calendar_api_key: "test-key" },
  validParams: {
    create_event: { title: "Review", start: "2026-06-03" },
    delete_event: { id: "e1" },
  },
});
