import { resolve } from "node:path";
import { messageOf, withDeadline } from "@cortex/primitives";
import {
  ActionTier,
  DefinedPlugin,
  definePlugin,
  PluginHealthStatus,
  type ActionContext,
  type ActionPreview,
  type CredentialBroker,
  type HealthAnswer,
} from "@cortex/plugins";
import pkg from "../package.json" with { type: "json" };
import { CaldavBackend } from "./backends/caldav.js";
import { IcsBackend } from "./backends/ics.js";
import type { CalendarBackend, CalendarEvent, EventInput, EventPatch } from "./backends/types.js";
import { CALENDAR_DEFAULTS } from "./defaults.js";
import { CalendarConfigError, CalendarFailure, isCalendarFailure } from "./errors.js";
import { listRange, newEvent, toEvent } from "./events.js";
import { CreateEventInput, DeleteEventInput, ListEventsInput, UpdateEventInput } from "./schemas.js";

/** The broker keys the plugin reads in `setup`. */
export const CALENDAR_CONFIG_KEYS = {
  backend: "calendar_backend",
  icsPath: "calendar_ics_path",
  caldavUrl: "calendar_caldav_url",
  caldavUsername: "calendar_caldav_username",
  caldavPassword: "calendar_caldav_password",
  caldavCalendar: "calendar_caldav_calendar",
} as const;

// Everything but the password is a setting, not a secret: declared as such, the
// registry leaves it readable in error text (a backend named "ics" would
// otherwise hide every "ics" in every message). Which keys a setup needs
// depends on the backend, so none is required up front: setup says what is missing.
/** The configuration the plugin reads, declared: `cortex plugins` and `cortex --help` list them. */
export const CALENDAR_CREDENTIALS = {
  [CALENDAR_CONFIG_KEYS.backend]: { description: '"ics" (default) or "caldav"', secret: false, required: false },
  [CALENDAR_CONFIG_KEYS.icsPath]: {
    description: "The iCalendar file (ics backend; created when missing)",
    secret: false,
    required: false,
  },
  [CALENDAR_CONFIG_KEYS.caldavUrl]: {
    description: "The CalDAV server URL (caldav backend)",
    secret: false,
    required: false,
  },
  [CALENDAR_CONFIG_KEYS.caldavUsername]: { description: "The CalDAV user name", secret: false, required: false },
  [CALENDAR_CONFIG_KEYS.caldavPassword]: { description: "The CalDAV password", required: false },
  [CALENDAR_CONFIG_KEYS.caldavCalendar]: {
    description: "Which calendar of the account (default: the first)",
    secret: false,
    required: false,
  },
} as const;

type Values = { readonly [K in keyof typeof CALENDAR_CREDENTIALS]?: string | undefined };

/** A key this backend needs: its value, or the broker's own `CORTEX_CREDENTIAL_MISSING`. */
const needed = (values: Values, broker: CredentialBroker, key: keyof Values): Promise<string> => {
  const value = values[key];
  return value === undefined ? broker.get(key) : Promise.resolve(value);
};

/** Opens the backend the configuration names; the ICS file is created when missing. */
async function openBackend(values: Values, broker: CredentialBroker): Promise<CalendarBackend> {
  const kind = values[CALENDAR_CONFIG_KEYS.backend] ?? CALENDAR_DEFAULTS.backend;
  if (kind === "ics") {
    const ics = new IcsBackend(resolve(await needed(values, broker, CALENDAR_CONFIG_KEYS.icsPath)));
    await ics.init();
    return ics;
  }
  if (kind === "caldav") {
    const url = await needed(values, broker, CALENDAR_CONFIG_KEYS.caldavUrl);
    if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
      throw new CalendarConfigError(`${CALENDAR_CONFIG_KEYS.caldavUrl} must be an http(s) URL`);
    }
    const username = await needed(values, broker, CALENDAR_CONFIG_KEYS.caldavUsername);
    const password = await needed(values, broker, CALENDAR_CONFIG_KEYS.caldavPassword);
    const calendar = values[CALENDAR_CONFIG_KEYS.caldavCalendar];
    return new CaldavBackend({ url, username, password, ...(calendar === undefined ? {} : { calendar }) });
  }
  throw new CalendarConfigError(
    `${CALENDAR_CONFIG_KEYS.backend} must be "ics" or "caldav", got ${JSON.stringify(kind)}`,
  );
}

/** What one plugin instance holds: its backend, once set up. */
interface CalendarState {
  backend: CalendarBackend | undefined;
}

function ready(state: CalendarState): CalendarBackend {
  if (state.backend !== undefined) return state.backend;
  throw new CalendarFailure("CORTEX_CALENDAR_NOT_READY", "the calendar plugin is not set up; call setup(broker) first");
}

/** The event a patch would leave: the fields given replace the old ones; `""` or `[]` clears an optional one. */
function patched(before: CalendarEvent, patch: EventPatch): CalendarEvent {
  const after: Record<string, unknown> = { ...before };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === "" || (Array.isArray(value) && value.length === 0)) delete after[key];
    else after[key] = value;
  }
  return after as unknown as CalendarEvent;
}

const span = (e: { start: string; end: string }) => (e.start === e.end ? e.start : `${e.start} – ${e.end}`);

async function preview(state: CalendarState, action: string, input: Record<string, unknown>, ctx: ActionContext) {
  const backend = ready(state);
  if (action === "create_event") {
    // The id a new event gets is made when it is written: the preview shows the rest.
    const { id: _id, ...after } = toEvent(newEvent(input as unknown as EventInput));
    return { summary: `create "${after.title}" (${span(after)})`, details: { before: null, after } };
  }
  const before = await backend.get(String(input.id), ctx.signal);
  if (action === "delete_event") {
    const series = before.recurrence === undefined ? "" : " and every occurrence of its series";
    return { summary: `delete "${before.title}" (${span(before)})${series}`, details: { before, after: null } };
  }
  const { id: _id, ...patch } = input as EventPatch & { id: string };
  const after = patched(before, patch);
  const changed = Object.keys(patch).join(", ");
  return {
    summary: `update "${before.title}" (${span(before)}): ${changed}`,
    details: { before, after },
  } satisfies ActionPreview;
}

/** HEALTHY when the file or server is reachable and authorized; UNKNOWN before setup. */
async function health(state: CalendarState): Promise<HealthAnswer> {
  const backend = state.backend;
  if (backend === undefined) return { status: PluginHealthStatus.UNKNOWN, details: { reason: "not set up" } };
  try {
    const details = await withDeadline((signal) => backend.check(signal), {
      timeoutMs: CALENDAR_DEFAULTS.healthTimeoutMs,
    });
    return { status: PluginHealthStatus.HEALTHY, details };
  } catch (error) {
    const code = isCalendarFailure(error) ? error.code : undefined;
    return {
      status: PluginHealthStatus.UNHEALTHY,
      error: messageOf(error),
      details: { backend: backend.kind, ...(code === undefined ? {} : { code }) },
    };
  }
}

function definition(state: CalendarState) {
  return definePlugin({
    name: "calendar",
    version: pkg.version,
    description: "Read and write calendar events (an iCalendar file or a CalDAV server)",
    credentials: CALENDAR_CREDENTIALS,
    async setup({ credentials, broker }) {
      const backend = await openBackend(credentials, broker);
      await state.backend?.close();
      state.backend = backend;
    },
    async teardown() {
      const backend = state.backend;
      state.backend = undefined;
      await backend?.close();
    },
    health: () => health(state),
    actions: {
      list_events: {
        description:
          "List calendar events that overlap a date range. Returns { events: [{ id, title, start, end, location?, description?, attendees?, recurrence? }] }, sorted by start. Recurring events appear once, at their first occurrence.",
        tier: ActionTier.AUTO,
        input: ListEventsInput,
        examples: [
          { start: "2026-06-01", end: "2026-06-07" },
          { start: "2026-06-01T09:00:00Z", end: "2026-06-01T17:00:00Z" },
        ],
        readOnly: true,
        idempotent: true,
        run: async (input, ctx) => {
          const { events, skipped } = await ready(state).list(listRange(input.start, input.end), ctx.signal);
          return skipped > 0 ? { events, skipped } : { events };
        },
      },
      create_event: {
        description: "Create a calendar event. Needs the user's approval. Returns { event_id, event }.",
        tier: ActionTier.CONFIRM,
        input: CreateEventInput,
        examples: [{ title: "Launch review", start: "2026-06-02T09:00:00Z", end: "2026-06-02T10:00:00Z" }],
        preview: (input, ctx) => preview(state, "create_event", input, ctx),
        run: async (input, ctx) => {
          const event = await ready(state).create(input, ctx.signal);
          return { event_id: event.id, event };
        },
      },
      update_event: {
        description: "Change fields of an existing event, found by id. Needs the user's approval. Returns { event }.",
        tier: ActionTier.CONFIRM,
        input: UpdateEventInput,
        examples: [{ id: "launch@example.com", start: "2026-06-03T09:00:00Z", end: "2026-06-03T10:00:00Z" }],
        preview: (input, ctx) => preview(state, "update_event", input, ctx),
        run: async ({ id, ...patch }, ctx) => ({ event: await ready(state).update(id, patch, ctx.signal) }),
      },
      delete_event: {
        description: "Delete an event by id (a recurring event: the whole series). Admin only. Returns { deleted }.",
        tier: ActionTier.ADMIN,
        input: DeleteEventInput,
        examples: [{ id: "launch@example.com" }],
        preview: (input, ctx) => preview(state, "delete_event", input, ctx),
        run: async (input, ctx) => ({ deleted: await ready(state).delete(input.id, ctx.signal) }),
      },
    },
  });
}

type CalendarDefinition = ReturnType<typeof definition>;

/**
 * Reads and writes calendar events in an iCalendar file (default) or on a
 * CalDAV server, chosen by `calendar_backend` from the broker; defined with
 * `definePlugin`, its params from zod schemas. Failures an agent can correct
 * (bad range, unknown id, unreachable or refusing server, broken file)
 * resolve as `{ success: false, error, code }`; unexpected errors are thrown
 * for the registry to log and report. `create_event`, `update_event` and
 * `delete_event` preview as the event before and after.
 */
export class CalendarPlugin extends DefinedPlugin<
  CalendarDefinition extends DefinedPlugin<infer I, infer _C> ? I : never,
  typeof CALENDAR_CREDENTIALS
> {
  constructor() {
    super(definition({ backend: undefined }).definition);
  }
}
