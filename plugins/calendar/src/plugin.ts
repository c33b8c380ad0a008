import { resolve } from "node:path";
import { messageOf, withDeadline } from "@cortex/primitives";
import {
  ActionTier,
  PluginHealthStatus,
  type ActionContext,
  type CredentialBroker,
  type Plugin,
  type PluginActionInfo,
  type PluginHealthReport,
  type PluginResult,
} from "@cortex/plugins";
import pkg from "../package.json" with { type: "json" };
import { CaldavBackend } from "./backends/caldav.js";
import { IcsBackend } from "./backends/ics.js";
import type { CalendarBackend, EventInput, EventPatch } from "./backends/types.js";
import { CALENDAR_DEFAULTS } from "./defaults.js";
import { CalendarConfigError, CalendarFailure, isCalendarFailure, isCredentialMissing } from "./errors.js";
import { listRange } from "./events.js";
import { createEventSchema, deleteEventSchema, listEventsSchema, updateEventSchema } from "./schemas.js";

/** The broker keys the plugin reads in `setup`. */
export const CALENDAR_CONFIG_KEYS = {
  backend: "calendar_backend",
  icsPath: "calendar_ics_path",
  caldavUrl: "calendar_caldav_url",
  caldavUsername: "calendar_caldav_username",
  caldavPassword: "calendar_caldav_password",
  caldavCalendar: "calendar_caldav_calendar",
} as const;

const ACTIONS: readonly PluginActionInfo[] = Object.freeze([
  {
    name: "list_events",
    description:
      "List calendar events that overlap a date range. Returns { events: [{ id, title, start, end, location?, description?, attendees?, recurrence? }] }, sorted by start. Recurring events appear once, at their first occurrence.",
    tier: ActionTier.AUTO,
    parameters: listEventsSchema,
  },
  {
    name: "create_event",
    description: "Create a calendar event. Needs the user's approval. Returns { event_id, event }.",
    tier: ActionTier.CONFIRM,
    parameters: createEventSchema,
  },
  {
    name: "update_event",
    description: "Change fields of an existing event, found by id. Needs the user's approval. Returns { event }.",
    tier: ActionTier.CONFIRM,
    parameters: updateEventSchema,
  },
  {
    name: "delete_event",
    description: "Delete an event by id (a recurring event: the whole series). Admin only. Returns { deleted }.",
    tier: ActionTier.ADMIN,
    parameters: deleteEventSchema,
  },
]);

// Everything but the password is a setting, not a secret: read as such, the
// registry leaves it readable in error text (a backend named "ics" would
// otherwise hide every "ics" in every message).
const SETTING = { secret: false } as const;

async function optional(broker: CredentialBroker, key: string): Promise<string | undefined> {
  try {
    return await broker.get(key, SETTING);
  } catch (error) {
    if (isCredentialMissing(error)) return undefined;
    throw error;
  }
}

const ok = (data: unknown): PluginResult => ({ success: true, data });

/**
 * Reads and writes calendar events in an iCalendar file (default) or on a
 * CalDAV server, chosen by `calendar_backend` from the broker. Failures an
 * agent can correct (bad range, unknown id, unreachable or refusing server,
 * broken file) resolve as `{ success: false, error, code }`; unexpected
 * errors are thrown for the registry to log and report.
 */
export class CalendarPlugin implements Plugin {
  readonly name = "calendar";
  readonly version: string = pkg.version;
  readonly description = "Read and write calendar events (an iCalendar file or a CalDAV server)";
  #backend: CalendarBackend | undefined;

  /** Reads the configuration from the broker and opens the backend; the ICS file is created when missing. */
  async setup(broker: CredentialBroker): Promise<void> {
    const kind = (await optional(broker, CALENDAR_CONFIG_KEYS.backend)) ?? CALENDAR_DEFAULTS.backend;
    let backend: CalendarBackend;
    if (kind === "ics") {
      const ics = new IcsBackend(resolve(await broker.get(CALENDAR_CONFIG_KEYS.icsPath, SETTING)));
      await ics.init();
      backend = ics;
    } else if (kind === "caldav") {
      const url = await broker.get(CALENDAR_CONFIG_KEYS.caldavUrl, SETTING);
      if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
        throw new CalendarConfigError(`${CALENDAR_CONFIG_KEYS.caldavUrl} must be an http(s) URL`);
      }
      const username = await broker.get(CALENDAR_CONFIG_KEYS.caldavUsername, SETTING);
      const password = await broker.get(CALENDAR_CONFIG_KEYS.caldavPassword);
      const calendar = await optional(broker, CALENDAR_CONFIG_KEYS.caldavCalendar);
      backend = new CaldavBackend({ url, username, password, ...(calendar === undefined ? {} : { calendar }) });
    } else {
      throw new CalendarConfigError(
        `${CALENDAR_CONFIG_KEYS.backend} must be "ics" or "caldav", got ${JSON.stringify(kind)}`,
      );
    }
    await this.#backend?.close();
    this.#backend = backend;
  }

  /** Waits for pending file writes and forgets the backend; health is UNKNOWN again. */
  async teardown(): Promise<void> {
    const backend = this.#backend;
    this.#backend = undefined;
    await backend?.close();
  }

  /** `list_events` (AUTO), `create_event` and `update_event` (CONFIRM), `delete_event` (ADMIN). */
  listActions(): readonly PluginActionInfo[] {
    return ACTIONS;
  }

  /** Runs an action whose params passed the registry's schema validation and tier checks. */
  async executeAction(action: string, params: Record<string, unknown>, context?: ActionContext): Promise<PluginResult> {
    const backend = this.#backend;
    const signal = context?.signal;
    try {
      if (!ACTIONS.some((a) => a.name === action)) {
        throw new CalendarFailure(
          "CORTEX_CALENDAR_UNKNOWN_ACTION",
          `unknown action "${action}" (actions: ${ACTIONS.map((a) => a.name).join(", ")})`,
        );
      }
      if (backend === undefined) {
        throw new CalendarFailure(
          "CORTEX_CALENDAR_NOT_READY",
          "the calendar plugin is not set up; call setup(broker) first",
        );
      }
      switch (action) {
        case "list_events": {
          const range = listRange(params.start as string, params.end as string);
          const { events, skipped } = await backend.list(range, signal);
          return ok(skipped > 0 ? { events, skipped } : { events });
        }
        case "create_event": {
          const event = await backend.create(params as unknown as EventInput, signal);
          return ok({ event_id: event.id, event });
        }
        case "update_event": {
          const { id, ...patch } = params as unknown as EventPatch & { id: string };
          return ok({ event: await backend.update(id, patch, signal) });
        }
        default:
          return ok({ deleted: await backend.delete(params.id as string, signal) });
      }
    } catch (error) {
      if (isCalendarFailure(error)) return { success: false, error: error.message, code: error.code };
      throw error;
    }
  }

  /** HEALTHY when the file or server is reachable and authorized; UNKNOWN before setup. */
  async health(): Promise<PluginHealthReport> {
    const backend = this.#backend;
    if (backend === undefined) {
      return { plugin: this.name, status: PluginHealthStatus.UNKNOWN, details: { reason: "not set up" } };
    }
    try {
      const details = await withDeadline((signal) => backend.check(signal), {
        timeoutMs: CALENDAR_DEFAULTS.healthTimeoutMs,
      });
      return { plugin: this.name, status: PluginHealthStatus.HEALTHY, details };
    } catch (error) {
      const code = isCalendarFailure(error) ? error.code : undefined;
      return {
        plugin: this.name,
        status: PluginHealthStatus.UNHEALTHY,
        error: messageOf(error),
        details: { backend: backend.kind, ...(code === undefined ? {} : { code }) },
      };
    }
  }
}
